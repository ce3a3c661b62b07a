"""A short training loop and an evaluation, for the models of the notebooks.

A batch is `(inputs, targets)`. `inputs` is one tensor (`model(inputs)`), a tuple of
tensors and masks (`model(*inputs)`, e.g. source, target input, source mask, target mask),
or a dict of them (`model(**inputs)`). Every model returns `(logits, anything)`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Callable, Iterable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from lib import validate
from lib.model import evaluating

IGNORE = -100  # a target equal to this is not scored (padding), as in F.cross_entropy


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position (targets equal to -100 are ignored).

    Shapes: logits (..., V), targets (...) -> scalar.
    """
    validate.tensor(logits, "logits (..., V)", min_dims=1)
    _check_targets(targets)
    _check_fit(logits, targets)
    _check_classes(logits, targets)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


def _check_fit(logits: torch.Tensor, targets: torch.Tensor) -> None:
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"the model's logits (..., V) = {tuple(logits.shape)} do not fit the targets (...) = "
            f"{tuple(targets.shape)}: every target position needs one row of V scores"
        )


def _check_targets(targets) -> None:
    """Integer class ids in a tensor, at least one of them not -100, none below 0 but -100."""
    if not isinstance(targets, torch.Tensor):
        fix = "torch.from_numpy(targets)" if hasattr(targets, "__array__") else "torch.tensor(targets)"
        what = "a NumPy array" if hasattr(targets, "__array__") else type(targets).__name__
        raise TypeError(f"targets must be a torch.Tensor of class ids, got {what}; use {fix}")
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise TypeError(f"targets must be integer class ids, got dtype {targets.dtype}; use targets.long()")
    scored = targets[targets != IGNORE]
    if scored.numel() == 0:
        raise ValueError(f"every target is {IGNORE} (padding): there is no position to score")


def _check_classes(logits: torch.Tensor, targets: torch.Tensor) -> None:
    V = logits.shape[-1]
    scored = targets[targets != IGNORE]
    low, top = scored.min().item(), scored.max().item()
    if low < 0 or top >= V:
        raise ValueError(f"targets must be class ids in 0..{V - 1} (or {IGNORE} for padding; the logits have "
                         f"V={V}), got ids from {low} to {top}")


_INPUTS_KIND = ("inputs must be a tensor, a tuple or a dict of tensors, got {}; "
                "convert a NumPy array with torch.from_numpy(x)")


def call_model(model: nn.Module, inputs) -> tuple[torch.Tensor, object]:
    """`model(inputs)`, `model(*inputs)` or `model(**inputs)`, by the kind of `inputs`."""
    if isinstance(inputs, torch.Tensor):
        return model(inputs)
    if isinstance(inputs, Mapping):
        return model(**inputs)
    if isinstance(inputs, tuple | list):
        return model(*inputs)
    raise TypeError(_INPUTS_KIND.format(type(inputs).__name__))


def batch_size_of(inputs) -> int:
    """The batch size B of `inputs` (the first axis of its first tensor)."""
    if not isinstance(inputs, torch.Tensor | Mapping | tuple | list):
        raise TypeError(_INPUTS_KIND.format(type(inputs).__name__))
    first = inputs if isinstance(inputs, torch.Tensor) else next(
        iter(inputs.values() if isinstance(inputs, Mapping) else inputs), None)
    if not isinstance(first, torch.Tensor) or first.dim() == 0:
        raise TypeError(f"inputs must hold tensors with a batch axis first, got {type(first).__name__}")
    return first.shape[0]


def _check_batch(inputs, targets: torch.Tensor) -> None:
    """Before any computation: targets are integer class ids with the inputs' batch size."""
    _check_targets(targets)
    B = batch_size_of(inputs)
    if targets.dim() == 0 or targets.shape[0] != B:
        raise ValueError(f"inputs have batch size {B} but targets have shape {tuple(targets.shape)}")
    scored = targets[targets != IGNORE]
    if scored.min() < 0:
        raise ValueError(f"targets must be class ids >= 0 (or {IGNORE} for padding), got {scored.min().item()}")


def train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[tuple[object, torch.Tensor]],
    *,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = cross_entropy,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """One optimizer step (then one scheduler step) per batch; returns the loss of every step.

    `seed` fixes dropout's random draws without touching the global generator, so the same
    model, batches and seed give the same curve. `on_step(step, loss)`, if given, is called
    after each step (a progress bar, for instance).
    Shapes: each batch inputs (B, ...) (or a tuple/dict of them), targets (B, ...) -> one float per batch.
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. torch.optim.Adam(model.parameters())), "
                        f"got {type(optimizer).__name__}")
    validate.size(seed, "seed", minimum=0)
    model.train()
    losses = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for inputs, targets in batches:
            _check_batch(inputs, targets)
            logits, _ = call_model(model, inputs)
            loss = loss_fn(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()  # per batch: the schedule counts optimizer steps
            losses.append(loss.item())
            if on_step is not None:
                on_step(len(losses), losses[-1])
    return losses


@torch.no_grad()
def evaluate(model: nn.Module, inputs, targets: torch.Tensor) -> tuple[float, float]:
    """Loss and accuracy (share of scored positions predicted right) on one batch, in eval mode.

    Positions whose target is -100 (padding) are not scored. The model's train/eval mode is
    restored afterwards.
    Shapes: inputs (B, ...) (or a tuple/dict of them), targets (B, ...) -> (loss, accuracy).
    """
    _check_batch(inputs, targets)
    with evaluating(model):
        logits, _ = call_model(model, inputs)
    _check_fit(logits, targets)
    _check_classes(logits, targets)
    scored = targets != IGNORE
    accuracy = (logits.argmax(-1) == targets)[scored].float().mean().item()
    return cross_entropy(logits, targets).item(), accuracy


# The recipe of the trained date model (notebook and checkpoint use the same one).
DATE_RECIPE = {"d_model": 48, "n_heads": 4, "d_ff": 96, "n_layers": 2, "batch_size": 64, "steps": 600,
               "peak_lr": 6e-3, "warmup": 80, "schedule": "linear", "seed": 0}
# The learning-rate shapes train_date_model can use, each reaching peak_lr (notebook 08's schedules):
# "linear" warms up over `warmup` steps then falls in a straight line to 0 at the last step;
# "noam" warms up the same way then decays as 1/√step (the paper's shape, scaled to the same peak);
# "constant" is peak_lr from the first step to the last.
SCHEDULES = ("linear", "noam", "constant")


def _recipe(settings) -> dict:
    """DATE_RECIPE with `settings` on top, if every setting is known and steps >= warmup >= 1."""
    if not isinstance(settings, Mapping):
        raise TypeError(f"recipe must be a dict of settings such as DATE_RECIPE, got {type(settings).__name__} "
                        f"{settings!r}")
    unknown = set(settings) - set(DATE_RECIPE)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; the recipe has {sorted(DATE_RECIPE)}")
    r = {**DATE_RECIPE, **settings}
    if validate.size(r["steps"], "steps") < validate.size(r["warmup"], "warmup"):
        raise ValueError(f"steps={r['steps']} must be at least warmup={r['warmup']} (the rate rises, then falls)")
    return r


def date_schedule(recipe: dict):
    """The learning rate of update n + 1 given n updates done (a `LambdaLR` multiplier for lr = 1.0).

    `recipe["schedule"]` picks the shape (one of SCHEDULES), reaching `peak_lr`; "linear" is 0 after
    the last of `steps` updates, "noam" has its peak at update `warmup`, as "linear" does.
    """
    from lib.schedules import noam_lambda, warmup_linear_decay

    r = _recipe(recipe)
    validate.choice(r["schedule"], "schedule", SCHEDULES)
    peak = validate.number(r["peak_lr"], "peak_lr", low=0.0, low_open=True)
    warmup, total = r["warmup"], r["steps"] + 1
    if r["schedule"] == "linear":
        return lambda n: warmup_linear_decay(n + 1, peak=peak, warmup=warmup, total=total)
    if r["schedule"] == "noam":
        return noam_lambda(r["d_model"], warmup, factor=peak * (r["d_model"] * warmup) ** 0.5)
    return lambda n: peak


def train_date_model(src: torch.Tensor, tgt: torch.Tensor, vocab_size: int, *, on_step=None, **overrides):
    """A `lib.model.Transformer` trained from scratch on (src, tgt) with `DATE_RECIPE` (or overrides).

    Adam (β = 0.9, 0.98) with the learning-rate `schedule` (one of SCHEDULES; by default a linear
    warm-up to `peak_lr` over `warmup` steps, then a linear decay to 0); seeded, so the same seed
    and thread count give the same weights.
    Returns the model (in eval mode) and the loss of every step.
    """
    from lib.model import Transformer

    validate.tensor(src, "src (N, S)", dims=2, floating=False)
    validate.tensor(tgt, "tgt (N, T)", dims=2, floating=False)
    r = _recipe(overrides)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights; the caller's generator is left alone
        torch.manual_seed(r["seed"])
        model = Transformer(vocab_size, vocab_size, d_model=r["d_model"], n_heads=r["n_heads"], d_ff=r["d_ff"],
                            n_layers=r["n_layers"], max_len=max(32, src.shape[1], tgt.shape[1]))  # 32: the tokenizer
    cached = _cache_path(src, tgt, vocab_size, r)
    if cached is None:
        return _train_date_model(model, src, tgt, r, on_step)
    with _locked(cached):  # runs in parallel wait for the one that trains, then load what it kept
        if cached.exists():
            saved = torch.load(cached, weights_only=True)
            model.load_state_dict(saved["state"])
            losses = saved["losses"].tolist()
            for step, loss in enumerate(losses, start=1):  # the progress bar fills as if it had trained
                if on_step is not None:
                    on_step(step, loss)
            return model.eval(), losses
        model, losses = _train_date_model(model, src, tgt, r, on_step)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        torch.save({"state": model.state_dict(), "losses": torch.tensor(losses, dtype=torch.float64)}, partial)
        partial.replace(cached)  # atomic: a reader without the lock sees the whole file or none
        return model, losses


def _train_date_model(model, src, tgt, r: dict, on_step):
    from lib.data import seq2seq_batches

    opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9, fused=True)  # one kernel
    sched = torch.optim.lr_scheduler.LambdaLR(opt, date_schedule(r))
    batches = seq2seq_batches(src, tgt, batch_size=r["batch_size"], n_steps=r["steps"], seed=r["seed"])
    losses = train(model, opt, batches, scheduler=sched, seed=r["seed"], on_step=on_step)
    return model.eval(), losses


@contextlib.contextmanager
def _locked(cached):
    """An exclusive lock on `cached`'s folder entry (fcntl, POSIX; elsewhere no lock: each run trains)."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(cached.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Test runs only (`make test` sets it): a directory where train_date_model keeps what it trained, so
# the second and third runs of notebook 11 in one `make test` (Korean edition, browser test) load the
# weights instead of training the same ~20 s again. Keyed by everything the weights depend on: the
# data, the recipe, lib's source, torch's version, the thread count and the CPU. A student never
# sets it: the notebook always trains.
TRAIN_CACHE_ENV = "LECTURE_TRAIN_CACHE"


def _cache_path(src: torch.Tensor, tgt: torch.Tensor, vocab_size: int, recipe: dict):
    folder = os.environ.get(TRAIN_CACHE_ENV)
    if not folder:
        return None
    import hashlib
    import platform
    from pathlib import Path

    lib_dir = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for part in (src.numpy().tobytes(), tgt.numpy().tobytes(), repr((vocab_size, sorted(recipe.items()))).encode(),
                 torch.__version__.encode(), str(torch.get_num_threads()).encode(), platform.processor().encode(),
                 _cpu_model().encode()):
        h.update(part)
    for path in sorted(lib_dir.glob("*.py")):
        h.update(path.read_bytes())
    return Path(folder) / f"date_model-{h.hexdigest()[:20]}.pt"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((line for line in f if line.startswith("model name")), "")
    except OSError:
        return ""


def date_predictions(model, rows, tokenizer) -> list[str]:
    """The model's greedy answer for the source of each (source, target, format) row, as text."""
    from lib.data import BOS, EOS, seq2seq_tensors
    from lib.model import Transformer, greedy_decode

    src, tgt = seq2seq_tensors(rows, tokenizer)
    if isinstance(model, Transformer) and model.tgt_embedding.vocab_size != len(tokenizer):
        raise ValueError(f"the tokenizer has {len(tokenizer)} symbols but the model's target vocabulary has "
                         f"{model.tgt_embedding.vocab_size}; use the tokenizer the model was trained with")
    out = greedy_decode(model, src, bos=BOS, eos=EOS, max_len=tgt.shape[1])  # (N, <= T)
    return [tokenizer.decode(o) for o in out]


def date_exact_match(model, rows, tokenizer) -> dict[str, float]:
    """Share of rows whose whole answer is right: overall ("all"), then per format (in order of first appearance)."""
    rows = list(rows)
    odd = next((row for row in rows if isinstance(row, str) or len(row) != 3), None)
    if odd is not None:
        raise ValueError(f"each row must be (source, target, format), got {odd!r}")
    right = [p == target for p, (_, target, _) in zip(date_predictions(model, rows, tokenizer), rows, strict=True)]
    result = {"all": sum(right) / len(right)}
    for fmt in dict.fromkeys(row[2] for row in rows):
        hits = [r for r, row in zip(right, rows, strict=True) if row[2] == fmt]
        result[fmt] = sum(hits) / len(hits)
    return result


_BUILT_FROM = {"d_model", "n_heads", "d_ff", "n_layers"}  # the recipe entries load_date_model builds from


def save_date_model(model, path, *, recipe: dict, vocab_size: int) -> None:
    """Write the weights and the recipe that made them (a plain dict of tensors, numbers and strings)."""
    from lib.model import Transformer

    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a lib.model.Transformer, got {type(model).__name__}")
    if not isinstance(recipe, Mapping):
        raise TypeError(f"recipe must be a dict of settings such as DATE_RECIPE, got {type(recipe).__name__}")
    missing = sorted(_BUILT_FROM - recipe.keys())
    if missing:
        raise ValueError(f"recipe lacks {missing}: load_date_model rebuilds the model from {sorted(_BUILT_FROM)}")
    vocab_size = validate.size(vocab_size, "vocab_size")
    src_v, tgt_v = model.src_embedding.vocab_size, model.tgt_embedding.vocab_size
    if src_v != tgt_v:
        raise ValueError(f"save_date_model needs one vocabulary on both sides, got src_vocab={src_v}, "
                         f"tgt_vocab={tgt_v}")
    if vocab_size != tgt_v:
        raise ValueError(f"vocab_size={vocab_size} but the model has {tgt_v} token ids; pass vocab_size={tgt_v}")
    torch.save({"recipe": dict(recipe), "vocab_size": vocab_size, "max_len": model.src_embedding.max_len,
                "state_dict": model.state_dict()}, path)


def load_date_model(path):
    """The Transformer saved by `save_date_model`, in eval mode, and its recipe.

    Read with `torch.load(..., weights_only=True)`: tensors and plain values only, no code runs.
    """
    from lib.model import Transformer

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file path (a str or a pathlib.Path), got {type(path).__name__}")
    try:
        saved = torch.load(path, weights_only=True)
    except (pickle.UnpicklingError, KeyError, EOFError, RuntimeError) as error:  # not a torch.save file of plain data
        raise ValueError(f"{path} is not a checkpoint written by lib.train.save_date_model "
                         f"(torch.load: {type(error).__name__})") from error
    if not isinstance(saved, dict) or not {"recipe", "vocab_size", "max_len", "state_dict"} <= saved.keys():
        raise ValueError(f"{path} is not a checkpoint written by lib.train.save_date_model "
                         f"(expected the keys recipe, vocab_size, max_len, state_dict)")
    r, V = saved["recipe"], saved["vocab_size"]
    missing = sorted(_BUILT_FROM - set(r)) if isinstance(r, dict) else sorted(_BUILT_FROM)
    if missing:
        raise ValueError(f"{path} has a recipe without {missing}, so the model cannot be rebuilt")
    model = Transformer(V, V, d_model=r["d_model"], n_heads=r["n_heads"], d_ff=r["d_ff"], n_layers=r["n_layers"],
                        max_len=saved["max_len"])
    model.load_state_dict(saved["state_dict"])
    return model.eval(), r
