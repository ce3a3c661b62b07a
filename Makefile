# Set-up, tests and notebook regeneration for the lecture series.
# `make lab` to teach or learn, `make test` to check everything. `make help` lists the rest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8888
# The edition `make lab` opens: English (notebooks/) or `make lab EDITION=ko`, the Korean one (notebooks/ko/),
# with JupyterLab's own menus in Korean too (the language pack; config/lab-ko/overrides.json makes Korean the
# default there, and Settings > Language still switches it).
EDITION ?= en
# The folder JupyterLab opens: the edition's notebooks, or `make lab LAB_DIR=homework` for your copies.
LAB_DIR ?= $(if $(filter ko,$(EDITION)),notebooks/ko,notebooks)
# Notebook paths for `make notebooks NB="notebooks/01_self_attention.ipynb"`; empty = all.
NB     ?=
# Extra pytest options for `unit` and `nbval`, e.g. make test PYTEST_ARGS="-x -v".
PYTEST_ARGS ?=
# A command put before the unit tests and nbval (`make test` sets `nice -n 10`); empty = as is.
BESIDE ?=
# Notebooks run two at a time, one per core (setup_notebook gives each kernel one torch
# thread); --dist loadfile keeps all cells of a notebook on one worker. `XDIST=` runs them in
# turn. The unit tests stay in one process: two workers made them about 3x slower here.
XDIST  ?= -n 2 --dist loadfile
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# Kernels inherit these: the same hash seed when outputs are made (`make notebooks`) and
# when they are compared (`make test`), and Jupyter's current path layout without its
# deprecation notice.
export PYTHONHASHSEED := 0
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: help venv lab test lint unit nbval e2e chromium notebooks data checkpoint runs mutants bench clean \
	editions catalogue \
	homework progress course

help:
	@echo "make lab        start JupyterLab on notebooks/ (127.0.0.1:$(PORT), token auth); EDITION=ko: 한국어판"
	@echo "make test       lint + unit tests + notebooks re-run and compared (nbval) + browser test"
	@echo "make notebooks  re-execute notebooks in place, both editions (NB=\"path.ipynb ...\" for some)"
	@echo "make catalogue  extract the _() messages (Babel) into lib/locale/messages.pot, update ko.po"
	@echo "make editions   copy the English notebooks' code cells into the Korean edition (notebooks/ko/)"
	@echo "make bench      notebook, widget and attention timings -> bench/RESULTS.md (ARGS=--fresh-clone adds set-up times)"
	@echo "make data       remake data/dates_*.tsv from their seed (byte for byte)"
	@echo "make checkpoint retrain data/date_transformer.pt from its seed (under a minute)"
	@echo "make runs       retrain the depth and schedule comparisons of notebook 11 -> data/date_runs.json (~8 min)"
	@echo "make mutants    break lib on purpose, one mutation at a time; fails if the tests miss one"
	@echo "make homework   copy the notebooks to homework/ to work in (never overwrites your changes; BACKUP=1)"
	@echo "make progress   which exercises in homework/ pass now, per notebook"
	@echo "make course     an nbgrader course in course/: release, reference autograded, grades.csv"
	@echo "make lint       ruff on lib/ tests/ scripts/"
	@echo "make unit | nbval | e2e   one part of 'make test'"
	@echo "make venv       create/update .venv only;  make clean  remove .venv and caches"

# --- environment ----------------------------------------------------------------------
# Re-installs only when requirements.txt or pyproject.toml is newer than the stamp. pip compiles the
# bytecode of what it installs one file after another (~40 s here, most of it torch); compileall does the
# same on every core (~15 s). (Not left to the first import: where PYTHONDONTWRITEBYTECODE is set, as on
# CI machines, nothing would ever be cached. torch's py312 test helper is Python 3.12 syntax.)
venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python >= 3.11 is needed; try: make PYTHON=python3.11 ..." >&2; exit 1; }
	@test -x $(PY) || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --disable-pip-version-check --no-compile -r requirements.txt -e .
	$(PY) -m compileall -q -j 0 -x '/torch/testing/_internal/py312' $(VENV)/lib
	@touch $@

# --- teaching ---------------------------------------------------------------------------
lab: venv
	@mkdir -p $(LAB_DIR)
	@token="$${JUPYTER_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_hex(24))')}"; \
	extra=(); if [ "$$(id -u)" = 0 ]; then extra+=(--allow-root); fi; \
	echo; echo "    JupyterLab: http://127.0.0.1:$(PORT)/lab?token=$$token"; echo; \
	JUPYTER_TOKEN="$$token" exec $(VENV)/bin/jupyter lab \
		--ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.port_retries=0 \
		--ServerApp.root_dir=$(LAB_DIR) --no-browser \
		$(if $(filter notebooks notebooks/ko,$(LAB_DIR)),--LabApp.default_url=/lab/tree/start.ipynb,) \
		$(if $(filter ko,$(EDITION)),--LabApp.app_settings_dir=$(CURDIR)/config/lab-ko,) \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		--ServerApp.kernel_websocket_connection_class=lib.labserver.NoDelayKernelConnection \
		"$${extra[@]}"

# --- homework ---------------------------------------------------------------------------
# Students work in homework/ (ignored by git), so the lecture's notebooks stay as they are.
BACKUP ?=
# EDITION=ko: the Korean edition, into homework/ko/ (a kernel there speaks Korean) and course-ko/.
HOMEWORK := $(if $(filter ko,$(EDITION)),homework/ko,homework)
homework: venv
	$(PY) scripts/homework.py copy --source $(if $(filter ko,$(EDITION)),notebooks/ko,notebooks) --into $(HOMEWORK) \
		$(if $(BACKUP),--backup,)

progress: venv
	$(PY) scripts/homework.py progress --into $(HOMEWORK)

# A lecturer's course folder for nbgrader (course/, ignored by git): assignments with the reference
# answers of solutions/, the student release, and the reference autograded (course/grades.csv).
course: venv
	$(if $(filter ko,$(EDITION)),LECTURE_LANG=ko,) $(PY) scripts/make_course.py \
		$(if $(filter ko,$(EDITION)),--source notebooks/ko --into course-ko,)

# --- checks -----------------------------------------------------------------------------
# The three suites run at once (make -j3; each suite's output is printed whole when it ends): the browser
# test waits on Chromium, JupyterLab and its kernels for about a third of its time, which the unit tests
# and the notebooks fill. Notebook 11's training is shared by all three (TRAIN_CACHE below).
# The browser test takes longest, so the other two run at a lower priority (BESIDE: nice) and fill the
# time it leaves free instead of slowing it. On a fresh machine the venv and the browser (apt-get) are
# installed at the same time too.
test:
	@rm -rf $(TRAIN_CACHE)
	@$(MAKE) --no-print-directory -j2 --output-sync=target venv chromium
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory -j3 --output-sync=target KEEP_TRAIN_CACHE=1 BESIDE="nice -n 10" unit nbval e2e

lint: venv
	$(VENV)/bin/ruff check lib tests scripts

# tests/test_course.py runs nbgrader, which executes a notebook twice (~30 s): it runs beside the
# notebooks in `nbval`, on the two workers (listed first, so it starts while the other worker runs
# notebooks), instead of alone here.
SLOW_TESTS := tests/test_course.py
# Notebook 11 trains its model (~20 s); within one `make test` the first run keeps the weights here and
# the others (the Korean edition, the browser test) wait for it and load them: lib.train.TRAIN_CACHE_ENV.
# Emptied by every `make test` (and `make nbval` on its own), so each trains once; a student's notebook
# always trains.
TRAIN_CACHE := $(VENV)/train-cache
unit: venv
	$(BESIDE) $(PY) -m pytest tests --ignore=tests/e2e $(addprefix --ignore=,$(SLOW_TESTS)) $(PYTEST_ARGS)

# Strict mode: every stored text output must be reproduced exactly (nbval's lax mode is never used).
# Both editions; the English notebook 11 (it trains, ~20 s) first, the Korean one (it loads those weights)
# after the other English notebooks.
nbval: venv
	@shopt -s nullglob; nbs=(notebooks/11_*.ipynb notebooks/[!1]*.ipynb notebooks/1[!1]*.ipynb notebooks/ko/11_*.ipynb \
		notebooks/ko/[!1]*.ipynb notebooks/ko/1[!1]*.ipynb); \
	if [ $${#nbs[@]} -eq 0 ]; then echo "nbval: no notebooks/*.ipynb yet, nothing to compare"; exit 0; fi; \
	par=(); if [ $${#nbs[@]} -gt 1 ]; then par=($(XDIST)); fi; \
	echo "$(PY) -m pytest $(NBVAL) $${par[*]} $(PYTEST_ARGS) $(SLOW_TESTS) $${nbs[*]}"; \
	$(if $(KEEP_TRAIN_CACHE),,rm -rf $(TRAIN_CACHE);) \
	LECTURE_TRAIN_CACHE=$(CURDIR)/$(TRAIN_CACHE) $(BESIDE) $(PY) -m pytest $(NBVAL) "$${par[@]}" $(PYTEST_ARGS) $(SLOW_TESTS) "$${nbs[@]}"

# Two browsers at a time, each with its own JupyterLab loaded once and every notebook opened in it (while one
# waits for its kernel, the other renders): both editions, 28 notebooks, in 257 s alone here, 383 s beside
# the unit tests and nbval in `make test` (three browsers took longer in a trial). `E2E_XDIST=` runs them in turn.
E2E_XDIST ?= -n 2
e2e: venv chromium
	LECTURE_TRAIN_CACHE=$(CURDIR)/$(TRAIN_CACHE) $(PY) -m pytest tests/e2e $(E2E_XDIST) $(PYTEST_ARGS)

# The browser test needs a system Chromium (Playwright never downloads one here) and a font with
# Hangul (the Korean edition; a Korean desktop has one, a bare Debian does not). Where either is
# missing and this is root with apt-get (CI, containers), install Debian's packages (chromium,
# fonts-nanum); else the test itself fails and names the command (E2E_ALLOW_SKIP=1: skip, no Chromium).
chromium:
	@pkgs=(); command -v chromium >/dev/null 2>&1 || pkgs+=(chromium); \
	{ command -v fc-list >/dev/null 2>&1 && [ -n "$$(fc-list :lang=ko family)" ]; } || pkgs+=(fonts-nanum); \
	if [ $${#pkgs[@]} -gt 0 ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's $${pkgs[*]} for the browser test"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq "$${pkgs[@]}" </dev/null; \
	fi

# --- outputs ----------------------------------------------------------------------------
notebooks: venv
	$(PY) scripts/execute_notebooks.py $(NB)
	@$(PY) scripts/slides.py >/dev/null  # slide breaks depend on the outputs' heights

# The Korean edition: its code cells are the English ones (copied here), its messages in lib/locale/ko.po.
editions: venv
	$(PY) scripts/editions.py
	$(PY) scripts/slides.py

catalogue: venv
	$(PY) scripts/catalogue.py

# --- data ---------------------------------------------------------------------------------
data: venv
	$(PY) scripts/make_data.py

checkpoint: venv
	$(PY) scripts/make_checkpoint.py

runs: venv
	$(PY) scripts/make_runs.py

# --- are the tests honest? ------------------------------------------------------------------
# Applies each mutation of scripts/mutation_check.py to a copy of lib/ and runs the unit tests
# against it; a mutation that no test catches fails the target. A few minutes; not in `make test`.
mutants: venv
	$(PY) scripts/mutation_check.py $(ARGS)

# --- speed ----------------------------------------------------------------------------
# About 2 minutes; ARGS=--fresh-clone also times `make test` and `make lab` on a clone (~5 min more).
ARGS ?=
bench: venv
	$(PY) scripts/bench.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
