"""Fixtures for the browser end-to-end test: a JupyterLab server and a headless Chromium.

JupyterLab is started the way `make lab` starts it (the project's Python, ``-m jupyter lab``,
127.0.0.1, token in JUPYTER_TOKEN, root_dir = notebooks/, no browser, no news), but on a
random free port with a random token, serving a temporary *copy* of notebooks/ (beside
symlinks to the rest of the repo, so ``../data`` still resolves): whatever JupyterLab does
to the notebooks (autosave, checkpoints) never touches the working tree. Every process
started here is stopped by its id in the fixture teardown, also when a test fails.

Environment knobs:
    E2E_ALLOW_SKIP=1   skip (instead of fail) when Chromium or Playwright is missing.
    E2E_PYTHON=...     Python that runs JupyterLab (default: <repo>/.venv/bin/python, else this one).
    E2E_ONLY=...       globs (space-separated) of notebooks under notebooks/ to test, e.g. "01_*" or
                       "ko/01_*" (default: both editions, "*.ipynb ko/*.ipynb").
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.labserver import SERVER_OPTION

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90.0  # seconds until JupyterLab must answer
SERVER_STOP_TIMEOUT = 15.0  # seconds between SIGTERM and SIGKILL

# JupyterLab user settings for the test run: no autosave (belt and braces: we work on a copy
# anyway) and every cell attached to the DOM, so that off-screen outputs can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: real-browser end-to-end test (JupyterLab + Chromium)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per notebook; a single failing one when there is no notebook at all."""
    if "notebook" in metafunc.fixturenames:
        paths = notebook_paths()
        metafunc.parametrize("notebook", paths or [None], ids=[p.as_posix() for p in paths] or ["no-notebooks"])


def missing(reason: str) -> None:
    """Fail loudly, or skip when E2E_ALLOW_SKIP=1."""
    if os.environ.get("E2E_ALLOW_SKIP") == "1":
        pytest.skip(reason)
    pytest.fail(reason + "  (set E2E_ALLOW_SKIP=1 to skip instead of failing)", pytrace=False)


def notebook_paths() -> list[Path]:
    """The notebooks under test, both editions, as paths relative to notebooks/ (ko/NN_name.ipynb).

    The two training notebooks (11, the longest) come first, so that neither of the two workers is
    left running one alone at the end.
    """
    patterns = os.environ.get("E2E_ONLY", "").split() or ["*.ipynb", "ko/*.ipynb"]
    root = REPO / "notebooks"
    found = {p.relative_to(root) for pattern in patterns for p in root.glob(pattern)}
    return sorted(found, key=lambda p: (not p.name.startswith("11_"), p.parent != Path("."), p.name))


def lab_python() -> str:
    if os.environ.get("E2E_PYTHON"):
        return os.environ["E2E_PYTHON"]
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_mirror(root: Path) -> Path:
    """A temp tree that looks like the repo: notebooks/ copied, everything else symlinked."""
    mirror = root / "repo"
    mirror.mkdir()
    for entry in REPO.iterdir():
        if entry.name in {"notebooks", ".git", ".venv"}:
            continue
        (mirror / entry.name).symlink_to(entry)
    if (REPO / "notebooks").is_dir():
        shutil.copytree(REPO / "notebooks", mirror / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return mirror


def descendants(pid: int) -> list[int]:
    """All descendant process ids of `pid` (read from /proc), children first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_process_tree(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (it shuts its kernels down), then SIGKILL leftovers.

    Kernels run in their own session, so their ids are collected first and killed explicitly.
    """
    if proc.poll() is not None:
        return
    kids = descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
    for pid in kids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the copy of notebooks/ that JupyterLab serves
    log: Path  # server (and kernel) stdout+stderr

    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Delete every session (and so its kernel) so the next notebook gets the CPU."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_answers(url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        missing(f"Chromium is not on PATH; the browser end-to-end test needs it. Install it with: {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright is not installed in this Python; run `make venv` (it is in the project's requirements).")
    return path


@contextlib.contextmanager
def lab_server(
    extra_args: Sequence[str] = (), keep_log: Path | None = None, settings: dict | None = None
) -> Iterator[Lab]:
    """Start JupyterLab on a temp copy of notebooks/ (see the module docstring); stop it on exit.

    `extra_args` go on JupyterLab's command line (the benchmark passes
    ``--LabApp.expose_app_in_browser=True``); `keep_log` receives a copy of the server log;
    `settings` replaces LAB_SETTINGS (the benchmark keeps JupyterLab's default windowing mode,
    as a student has it).
    """
    tmp = Path(tempfile.mkdtemp(prefix="e2e-lab-"))
    try:
        root = make_mirror(tmp) / "notebooks"
        env = dict(os.environ)
        for name, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (tmp / sub).mkdir()
            env[name] = str(tmp / sub)
        for rel, values in (LAB_SETTINGS if settings is None else settings).items():
            target = tmp / "lab-settings" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        port, token = free_port(), secrets.token_hex(24)
        env["JUPYTER_TOKEN"] = token
        cmd = [
            lab_python(), "-m", "jupyter", "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            SERVER_OPTION,  # as `make lab`: kernel websockets without Nagle's delay (lib/labserver.py)
            f"--ServerApp.root_dir={root}",
            *extra_args,
        ]  # fmt: skip
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        log = tmp / "lab.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_answers(url, token, proc, log)
            yield Lab(url=url, token=token, root=root, log=log)
        finally:
            stop_process_tree(proc)
            if keep_log is not None:
                keep_log.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(log, keep_log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(chromium_path: str) -> Iterator[Lab]:
    # The server log is kept beside the screenshots for a failure's post-mortem. The application is
    # exposed as window.jupyterapp so that one page can open notebook after notebook (`lab_page`).
    with lab_server(["--LabApp.expose_app_in_browser=True"], keep_log=SCREENSHOTS / "jupyterlab.log") as server:
        yield server


@pytest.fixture(scope="session")
def playwright_driver(chromium_path: str):
    """Playwright itself, once per worker (a test that needs a browser of its own launches it here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser_context(chromium_path: str, playwright_driver):
    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    try:
        context = playwright_driver.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def lab_page(lab: Lab, browser_context):
    """One JupyterLab page per worker, loaded once; each notebook test opens its notebook in it.

    Loading JupyterLab in a page costs about 4 s of CPU; opening a notebook in a loaded one, well
    under one. The test closes its notebook (and the server shuts its kernel down) when it ends.
    """
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{lab.url}/lab/workspaces/e2e-{os.getpid()}?token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector("#jp-MainMenu", timeout=60_000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
