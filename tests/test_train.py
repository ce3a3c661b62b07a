"""lib.train: the training loop and the evaluation; inputs as a tensor, a tuple or a dict,
targets checked first, -100 ignored."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lib.data import minibatches, toy_task
from lib.model import TransformerEncoder
from lib.train import IGNORE, call_model, cross_entropy, evaluate, train

REPO = Path(__file__).resolve().parents[1]


def fit(seed=0, dropout=0.0, n_steps=60):
    x, y = toy_task("copy", 256, 5, 6, seed=0)
    torch.manual_seed(0)
    model = TransformerEncoder(6, 6, d_model=16, n_heads=2, d_ff=32, n_layers=1, dropout=dropout)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = train(model, opt, minibatches(x, y, batch_size=32, n_steps=n_steps), seed=seed)
    return model, losses, (x, y)


def test_train_learns_the_copy_task_and_is_deterministic(one_thread):
    model, losses, (x, y) = fit()
    assert len(losses) == 60
    assert losses[0] > math.log(6) - 0.5 and losses[-1] < 0.5 * losses[0]
    assert losses == fit()[1]
    model.train()
    loss, accuracy = evaluate(model, x, y)
    assert model.training  # evaluate restores the mode
    assert accuracy > 0.9 and loss == pytest.approx(losses[-1], abs=0.3)


def test_train_seed_fixes_dropout_and_leaves_the_global_generator_alone(one_thread):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    _, a, _ = fit(seed=1, dropout=0.2, n_steps=5)
    torch.manual_seed(123)
    assert torch.equal(torch.get_rng_state(), before)
    _, b, _ = fit(seed=1, dropout=0.2, n_steps=5)
    _, c, _ = fit(seed=2, dropout=0.2, n_steps=5)
    assert a == b and a != c


def test_train_steps_the_scheduler_once_per_batch():
    x, y = toy_task("copy", 16, 3, 4)
    model = TransformerEncoder(4, 4, d_model=8, n_heads=2, d_ff=8, n_layers=1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda n: 1 / (n + 1))
    train(model, opt, minibatches(x, y, batch_size=4, n_steps=7), scheduler=sched)
    assert opt.param_groups[0]["lr"] == pytest.approx(1 / 8)


def test_cross_entropy_shapes():
    logits = torch.zeros(2, 3, 4)
    assert cross_entropy(logits, torch.zeros(2, 3, dtype=torch.long)).item() == pytest.approx(
        math.log(4)
    )
    with pytest.raises(ValueError, match=r"logits \(\.\.\., V\) = \(2, 3, 4\)"):
        cross_entropy(logits, torch.zeros(2, 4, dtype=torch.long))


# --- what a batch may be: a tensor, a tuple or a dict -------------------------------------------------


class TwoInputs(nn.Module):
    """A tiny model with two inputs: token ids and a boolean mask that zeroes some embeddings."""

    def __init__(self, vocab_size: int = 6) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 8)
        self.out = nn.Linear(8, vocab_size)
        self.calls = 0

    def forward(self, tokens, keep):
        self.calls += 1
        x = self.embed(tokens) * keep[..., None]  # (B, T, 8)
        return self.out(x), None  # (B, T, V)


def two_input_batches(n_steps=5):
    x, y = toy_task("copy", 64, 4, 6, seed=0)
    keep = torch.ones_like(x, dtype=torch.bool)
    keep[:, -1] = False  # the last position carries no information
    return [((x[i::n_steps], keep[i::n_steps]), y[i::n_steps]) for i in range(n_steps)]


def fresh(seed=0):
    torch.manual_seed(seed)
    model = TwoInputs()
    return model, torch.optim.SGD(model.parameters(), lr=0.5)


def test_train_and_evaluate_with_tuple_and_dict_inputs():
    batches = two_input_batches()
    model_a, opt_a = fresh()
    tuple_losses = train(model_a, opt_a, batches)
    model_b, opt_b = fresh()
    dict_batches = [({"tokens": x, "keep": keep}, y) for (x, keep), y in batches]
    dict_losses = train(model_b, opt_b, dict_batches)
    assert len(tuple_losses) == 5 and tuple_losses == dict_losses
    (x, keep), y = batches[0]
    for model in (model_a, model_b):
        expected = F.cross_entropy(model(x, keep)[0].reshape(-1, 6), y.reshape(-1)).item()
        loss, accuracy = evaluate(model, (x, keep), y)
        assert loss == pytest.approx(expected, rel=1e-6)
        assert (loss, accuracy) == evaluate(model, {"keep": keep, "tokens": x}, y)  # by name, any order
    model, _ = fresh()
    first = F.cross_entropy(model(x, keep)[0].reshape(-1, 6), y.reshape(-1)).item()
    assert tuple_losses[0] == pytest.approx(first, rel=1e-6)  # step 1's loss is the untrained model's


def test_a_plain_tensor_is_one_argument():
    class Identity(nn.Module):
        def forward(self, logits):
            return logits, None

    logits = torch.tensor([[[2.0, 0.0], [0.0, 3.0]]])  # (B=1, T=2, V=2)
    loss, accuracy = evaluate(Identity(), logits, torch.tensor([[0, 0]]))
    assert accuracy == 0.5
    assert loss == pytest.approx(F.cross_entropy(logits[0], torch.tensor([0, 0])).item())


def test_inputs_of_another_kind_are_refused():
    model, _ = fresh()
    with pytest.raises(TypeError, match="inputs must be a tensor, a tuple or a dict of tensors, got int"):
        call_model(model, 3)
    with pytest.raises(TypeError, match="inputs must hold tensors with a batch axis first, got str"):
        evaluate(model, ("tokens",), torch.zeros(3, dtype=torch.long))


# --- targets: checked first, -100 ignored -----------------------------------------------------------


class FixedLogits(nn.Module):
    """Returns the same logits whatever the input (and counts its calls)."""

    def __init__(self, logits):
        super().__init__()
        self.logits = nn.Parameter(logits.clone())
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.logits.expand(x.shape[0], *self.logits.shape), None


def test_evaluate_ignores_targets_equal_to_minus_100():
    logits = torch.tensor([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0], [1.0, 2.0, 0.5]])  # (T=4, V=3)
    model = FixedLogits(logits)
    x = torch.zeros(2, 4)
    targets = torch.tensor([[0, 1, IGNORE, IGNORE], [0, IGNORE, 2, IGNORE]])  # argmax: 0, 1, 2, 1
    loss, accuracy = evaluate(model, x, targets)
    assert accuracy == 1.0  # the scored positions are all right; the ignored ones would be wrong
    scored = targets != IGNORE
    expected = F.cross_entropy(logits.expand(2, 4, 3)[scored], targets[scored])
    assert loss == pytest.approx(expected.item(), rel=1e-6)
    wrong = targets.clone()
    wrong[0, 1] = 2  # one scored position now mispredicted: 3 of 4 right
    assert evaluate(model, x, wrong)[1] == pytest.approx(0.75)
    assert cross_entropy(logits.expand(2, 4, 3), targets).item() == pytest.approx(expected.item(), rel=1e-6)


def test_train_ignores_targets_equal_to_minus_100():
    (x, keep), y = two_input_batches(1)[0]
    ignored = y.clone()
    ignored[:, -1] = IGNORE
    model_a, opt_a = fresh()
    losses_a = train(model_a, opt_a, [((x, keep), ignored)] * 3)
    model_b, opt_b = fresh()
    losses_b = train(model_b, opt_b, [((x[:, :-1], keep[:, :-1]), y[:, :-1])] * 3)
    # TwoInputs works position by position: the last position ignored = the last position absent
    assert losses_a == pytest.approx(losses_b, rel=1e-6)
    for a, b in zip(model_a.parameters(), model_b.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_evaluate_with_targets_of_another_length_names_both_shapes():
    model = FixedLogits(torch.zeros(4, 3))
    with pytest.raises(ValueError, match=(
        r"logits \(\.\.\., V\) = \(2, 4, 3\) do not fit "
        r"the targets \(\.\.\.\) = \(2, 5\)"
    )):
        evaluate(model, torch.zeros(2, 4), torch.zeros(2, 5, dtype=torch.long))


@pytest.mark.parametrize(
    "targets,error,message",
    [
        (torch.zeros(3, 4, dtype=torch.long), ValueError, r"inputs have batch size 2 but targets have shape \(3, 4\)"),
        (torch.zeros(2, 4), TypeError,
         r"targets must be integer class ids, got dtype torch\.float32; use targets\.long\(\)"),
        (torch.zeros(2, 4, dtype=torch.bool), TypeError, r"targets must be integer class ids, got dtype torch\.bool"),
        ([[0, 1, 2, 0]] * 2, TypeError, r"targets must be a torch\.Tensor of class ids, got list"),
        (torch.tensor(0), ValueError, r"inputs have batch size 2 but targets have shape \(\)"),
    ],
)
def test_targets_are_checked_before_any_computation(targets, error, message):
    model = FixedLogits(torch.zeros(4, 3))
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    with pytest.raises(error, match=message):
        evaluate(model, torch.zeros(2, 4), targets)
    with pytest.raises(error, match=message):
        train(model, opt, [(torch.zeros(2, 4), targets)])
    assert model.calls == 0  # the model never ran


def test_a_batch_that_does_not_fit_changes_no_parameter():
    model = FixedLogits(torch.randn(4, 3))
    before = model.logits.detach().clone()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    batches = [(torch.zeros(2, 4), torch.zeros(2, 4, dtype=torch.long)),
               (torch.zeros(2, 4), torch.zeros(2, 5, dtype=torch.long))]
    after_step = []
    with pytest.raises(ValueError, match=r"\(2, 4, 3\) do not fit the targets \(\.\.\.\) = \(2, 5\)"):
        train(model, opt, batches, on_step=lambda step, loss: after_step.append(model.logits.detach().clone()))
    assert model.calls == 2 and len(after_step) == 1
    assert not torch.equal(after_step[0], before)  # the good batch was a step
    assert torch.equal(model.logits.detach(), after_step[0])  # the bad one changed nothing


# --- the progress callback --------------------------------------------------------------------------


def test_on_step_is_called_after_every_step_with_its_loss():
    model, opt = fresh()
    seen = []
    losses = train(model, opt, two_input_batches(4), on_step=lambda step, loss: seen.append((step, loss)))
    assert seen == list(enumerate(losses, start=1))
    assert len(seen) == 4


# --- the date model: its schedules, its checkpoint ------------------------------------------------


def _rates(**recipe) -> list[float]:
    from lib.train import date_schedule

    rate = date_schedule(recipe)
    return [rate(n) for n in range(recipe["steps"])]  # update n + 1 gets rate(n)


def test_date_schedules_share_the_peak_and_differ_after_it():
    kw = {"steps": 50, "warmup": 10, "peak_lr": 2e-3}
    linear, noam, constant = (_rates(schedule=s, **kw) for s in ("linear", "noam", "constant"))
    assert max(linear) == pytest.approx(2e-3) and linear.index(max(linear)) == 9  # update 10 = warmup
    assert max(noam) == pytest.approx(2e-3) and noam.index(max(noam)) == 9
    assert linear[:10] == pytest.approx(noam[:10])  # the same linear warm-up
    assert linear[-1] == pytest.approx(2e-3 / 41)  # one step before 0 at update steps + 1
    assert noam[-1] == pytest.approx(2e-3 * math.sqrt(10 / 50))  # 1/√step after the peak
    assert constant == [2e-3] * 50


def test_date_schedule_refuses_an_unknown_shape():
    from lib.train import date_schedule

    with pytest.raises(ValueError, match=r"schedule must be one of .*'linear'.*got 'cosine'"):
        date_schedule({"schedule": "cosine"})


def test_saved_date_model_loads_with_weights_only_and_gives_the_same_logits(tmp_path, one_thread):
    from lib.train import load_date_model, save_date_model, train_date_model

    src, tgt = toy_task("copy", 32, 5, 8, seed=0)
    tgt = torch.cat([torch.ones(32, 1, dtype=torch.long), tgt], dim=1)  # a start token
    settings = {"d_model": 8, "n_heads": 2, "d_ff": 16, "n_layers": 1, "batch_size": 8, "steps": 3, "warmup": 1}
    model, _ = train_date_model(src, tgt, 10, **settings)
    save_date_model(model, tmp_path / "m.pt", recipe={**settings}, vocab_size=10)
    loaded, recipe = load_date_model(tmp_path / "m.pt")
    assert recipe == settings and not loaded.training
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    torch.testing.assert_close(loaded(src, tgt[:, :-1])[0], model(src, tgt[:, :-1])[0], rtol=0, atol=0)


def test_load_date_model_refuses_a_file_that_is_no_checkpoint(tmp_path):
    from lib.train import load_date_model

    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"other\.pt is not a checkpoint .*recipe, vocab_size, max_len, state_dict"):
        load_date_model(tmp_path / "other.pt")


def test_the_committed_checkpoint_is_small_and_right_on_the_held_out_dates(one_thread):
    from pathlib import Path

    from lib.data import CharTokenizer, read_date_file
    from lib.train import DATE_RECIPE, date_exact_match, load_date_model

    data = Path(__file__).resolve().parent.parent / "data"
    assert (data / "date_transformer.pt").stat().st_size < 5 * 2**20
    model, recipe = load_date_model(data / "date_transformer.pt")
    assert recipe == DATE_RECIPE, "the checkpoint was made with another recipe: run `make checkpoint`"
    rows = read_date_file(data / "dates_test.tsv")
    exact = date_exact_match(model, rows, CharTokenizer.for_dates())
    assert exact["all"] >= 0.995
    assert set(exact) == {"all", *{r[2] for r in rows}}
    weighted = sum(exact[f] * sum(r[2] == f for r in rows) for f in exact if f != "all") / len(rows)
    assert weighted == pytest.approx(exact["all"])


def test_the_test_runs_training_cache_gives_the_same_model_and_replays_the_progress(tmp_path, monkeypatch, one_thread):
    from lib.train import TRAIN_CACHE_ENV, train_date_model

    src, tgt = toy_task("copy", 32, 5, 8, seed=0)
    tgt = torch.cat([torch.ones(32, 1, dtype=torch.long), tgt], dim=1)
    settings = {"d_model": 8, "n_heads": 2, "d_ff": 16, "n_layers": 1, "batch_size": 8, "steps": 3, "warmup": 1}
    monkeypatch.delenv(TRAIN_CACHE_ENV, raising=False)
    plain, plain_losses = train_date_model(src, tgt, 10, **settings)
    assert not list(tmp_path.iterdir())  # without the variable nothing is kept
    monkeypatch.setenv(TRAIN_CACHE_ENV, str(tmp_path))
    _, losses = train_date_model(src, tgt, 10, **settings)
    assert len(list(tmp_path.glob("*.pt"))) == 1
    steps = []
    loaded, loaded_losses = train_date_model(src, tgt, 10, on_step=lambda step, loss: steps.append((step, loss)),
                                             **settings)
    assert losses == plain_losses == loaded_losses and steps == list(enumerate(losses, start=1))
    for (name, a), (_, b) in zip(plain.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    train_date_model(src, tgt, 10, **{**settings, "steps": 4})  # another recipe: another entry
    assert len(list(tmp_path.glob("*.pt"))) == 2


def test_runs_in_parallel_share_one_training(tmp_path):
    """Two processes at once with the cache (the two editions' notebook 11 in `make test`): one trains, the
    other waits for it and loads its weights. Each process counts its training steps."""
    script = """
import sys, torch
torch.set_num_threads(1)
from lib import train
from lib.data import toy_task
src, tgt = toy_task("copy", 32, 5, 8, seed=0)
tgt = torch.cat([torch.ones(32, 1, dtype=torch.long), tgt], dim=1)
real_train, steps = train.train, []
train.train = lambda *a, **k: steps.append(1) or real_train(*a, **k)
model, losses = train.train_date_model(src, tgt, 10, d_model=8, n_heads=2, d_ff=16, n_layers=1, batch_size=8,
                                       steps=40, warmup=1)
print(len(steps), repr(losses[-1]))
"""
    env = {**os.environ, "LECTURE_TRAIN_CACHE": str(tmp_path), "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = sorted(run.communicate(timeout=120)[0].split() for run in runs)
    assert all(run.returncode == 0 for run in runs)
    assert [o[0] for o in outputs] == ["0", "1"], outputs  # one trained, the other loaded
    assert outputs[0][1] == outputs[1][1]  # and both give the same final loss
    assert len(list(tmp_path.glob("*.pt"))) == 1 and not list(tmp_path.glob("*.part"))
