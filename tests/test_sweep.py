"""`python -m learn sweep`: sweep files refused in one line, seeded proposals, pruning in the
trainer, a smoke sweep end to end, and a sweep killed mid-way that resumes to its budget."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from learn.studies.sweep import SweepRunner
from learn.studies.sweep_spec import SweepError

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")
# 8 epochs of 64 agent-steps; the level's 64-tick episodes end every 4 epochs
TRAIN = {
    "total_steps": 512,
    "num_worlds": 4,
    "horizon": 16,
    "minibatch_size": 64,
    "checkpoint_interval": 1,
    "torch_threads": 1,
    "hidden": 16,
}


def sweep_file(tmp_path: Path, name: str = "s", **over) -> Path:
    data = {
        "name": name,
        "level": TINY,
        "budget": 2,
        "train": dict(TRAIN),
        "space": {"learning_rate": {"low": 1e-4, "high": 1e-2, "log": True}},
        "objective": {"metric": "mean_return", "episodes": 1, "max_steps": 16},
        "sampler": {"kind": "tpe", "seed": 3, "startup_trials": 2},
        "pruner": {"kind": "none"},
    }
    for k, v in over.items():
        if v is None:
            data.pop(k)
        elif isinstance(v, dict) and isinstance(data.get(k), dict) and k != "space":
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    p = tmp_path / f"{name}.toml"
    p.write_text(tomli_w.dumps(data))
    return p


def fake_trial(task):
    """A trial without training: its value from its parameters (best near lr = 1e-3)."""
    lr = task["runs"][0]["learning_rate"]
    return {"state": "complete", "value": -abs(math.log10(lr) + 3.0), "values": {}}


def cli(*args, cwd, timeout=600):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "learn", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def trials(out: Path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(
        study_name=json.loads((out / "plan.json").read_text())["sweep"]["name"],
        storage=f"sqlite:///{out / 'optuna.db'}",
    ).get_trials()


BAD = [
    (
        {"space": {"lerning_rate": {"low": 1e-4, "high": 1e-2}}},
        "$.space.lerning_rate: unknown TrainConfig field",
    ),
    (
        {"space": {"learning_rate": {"low": 1e-2, "high": 1e-4}}},
        "$.space.learning_rate: low (0.01) must be below",
    ),
    (
        {"space": {"ent_coef": {"low": 0.0, "high": 0.1, "log": True}}},
        "$.space.ent_coef.low: a log scale needs",
    ),
    ({"space": {"hidden": {"low": 16, "high": 64.5}}}, "$.space.hidden.high: hidden is a whole number"),
    ({"space": {"anneal_lr": {"low": 0, "high": 1}}}, "$.space.anneal_lr: anneal_lr is not a number"),
    ({"space": {"seed": {"low": 0, "high": 5}}}, "$.space.seed: seed cannot be searched"),
    ({"space": {}}, "at `$.space`"),
    ({"objective": {"metric": "hearts"}}, "$.objective.metric: unknown metric 'hearts'"),
    ({"budget": 0}, "Expected `int` >= 1 - at `$.budget`"),
    ({"budget": None}, "missing required field `budget`"),
    ({"train": {**TRAIN, "seed": 4}}, "$.train: seed are set by the sweep"),
    ({"sampler": {"kind": "grid"}}, '$.space."learning_rate": the grid sampler needs discrete values'),
    (
        {"sampler": {"kind": "grid"}, "budget": 3, "space": {"hidden": {"choices": [16, 32]}}},
        "$.budget: 3 trials, but the grid has only 2 points",
    ),
    ({"pruner": {"kind": "threshold"}}, "$.pruner: a threshold pruner needs `lower` or `upper`"),
    ({"objective": {"metric": "mean_return", "seeds": [1, 1]}}, "$.objective.seeds: give distinct seeds"),
]


@pytest.mark.parametrize("over,message", BAD)
def test_bad_sweep_files_are_refused_naming_the_field(tmp_path, over, message):
    with pytest.raises(SweepError) as e:
        SweepRunner(sweep_file(tmp_path, **over), tmp_path / "out", progress=None)
    assert message in str(e.value)
    assert str(tmp_path / "s.toml") in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "over,message",
    [
        # TrainConfig's own limits, and the levels, are checked before any trial trains
        ({"space": {"learning_rate": {"low": 0.0, "high": 1e-2}}}, "learning_rate"),
        ({"space": {"policy": {"choices": ["cnn", "nope"]}}}, "unknown policy 'nope'"),
        (
            {"space": {"level.buildings.mine.cooldown": {"low": -3, "high": 4}}},
            '$.space."level.buildings.mine.cooldown" = -3: the training level does not build',
        ),
        ({"space": {"level.agent.vision": {"low": 1, "high": 9}}}, '$.space."level.agent.vision"'),
        (
            {"objective": {"levels": ["no_such_level.toml"]}},
            "$.objective.levels[0]: level file no_such_level.toml",
        ),
    ],
)
def test_values_are_checked_before_any_training(tmp_path, over, message):
    out = tmp_path / "out"
    with pytest.raises(SweepError) as e:
        SweepRunner(sweep_file(tmp_path, **over), out, progress=None, trial_fn=fake_trial).run()
    assert message in str(e.value), str(e.value)
    assert "\n" not in str(e.value)
    assert not out.exists()  # refused before anything was written


def test_cli_refuses_a_bad_sweep_in_one_line(tmp_path):
    r = cli(
        "sweep", sweep_file(tmp_path, objective={"metric": "nope"}), "--out", tmp_path / "out", cwd=tmp_path
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "$.objective.metric: unknown metric 'nope'" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_a_seeded_sampler_proposes_the_same_trials(tmp_path, sampler):
    f = sweep_file(
        tmp_path,
        budget=5,
        sampler={"kind": sampler},
        space={
            "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            "hidden": {"choices": [16, 32, 64]},
        },
    )
    got = []
    for out in ("a", "b"):
        SweepRunner(f, tmp_path / out, progress=None, trial_fn=fake_trial).run(report=False)
        got.append([t.params for t in trials(tmp_path / out)])
    assert len(got[0]) == 5 and got[0] == got[1]
    assert len({p["learning_rate"] for p in got[0]}) == 5  # and they are proposals, not one point
    other = sweep_file(
        tmp_path,
        name="t",
        budget=5,
        sampler={"kind": sampler, "seed": 4},
        space={
            "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            "hidden": {"choices": [16, 32, 64]},
        },
    )
    SweepRunner(other, tmp_path / "c", progress=None, trial_fn=fake_trial).run(report=False)
    assert [t.params for t in trials(tmp_path / "c")] != got[0]


def test_a_larger_budget_runs_more_trials_and_a_changed_design_is_refused(tmp_path):
    SweepRunner(sweep_file(tmp_path, budget=2), tmp_path / "out", progress=None, trial_fn=fake_trial).run()
    SweepRunner(sweep_file(tmp_path, budget=3), tmp_path / "out", progress=None, trial_fn=fake_trial).run()
    assert [t.state.name for t in trials(tmp_path / "out")] == ["COMPLETE"] * 3
    changed = sweep_file(tmp_path, budget=3, objective={"metric": "hearts_per_agent"})
    with pytest.raises(SweepError, match="plan.json differs"):
        SweepRunner(changed, tmp_path / "out", progress=None, trial_fn=fake_trial).run()


def test_the_pruner_stops_a_trial_in_the_trainer(tmp_path):
    # a threshold no curve reaches: the first point of the curve (after the first episode, epoch 4)
    # prunes the trial, and its training stops there
    f = sweep_file(tmp_path, budget=1, pruner={"kind": "threshold", "lower": 1e9, "report_every": 1})
    SweepRunner(f, tmp_path / "out", progress=None).run()
    (t,) = trials(tmp_path / "out")
    assert t.state.name == "PRUNED"
    assert sorted(t.intermediate_values) == [256]  # one point: 4 epochs of 64 agent-steps
    status = json.loads((tmp_path / "out" / "trials" / "0000" / "seed-0" / "status.json").read_text())
    assert status["state"] == "pruned" and status["global_step"] == 256 < TRAIN["total_steps"]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "No trial has completed yet" in report and "| 0 | pruned |" in report
    assert not (tmp_path / "out" / "best.toml").exists()


@pytest.mark.slow
def test_smoke_sweep_end_to_end_in_parallel(tmp_path):
    f = sweep_file(
        tmp_path,
        budget=2,
        train_level={"max_steps": 32},
        space={
            "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            "level.resources.ore.reward": {"low": 0.05, "high": 0.2},
        },
        pruner={"kind": "median", "report_every": 2},
    )
    r = cli("sweep", f, "--out", "out", "--jobs", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    assert sorted(t.state.name for t in trials(out)) == ["COMPLETE", "COMPLETE"]
    assert all(t.intermediate_values for t in trials(out))  # every trial reported its curve
    for name in ("history", "importance", "curves"):
        for ext in ("png", "svg"):
            assert (out / f"{name}.{ext}").stat().st_size > 1000
    # the best trial, ready to train: its parameters and its shaped training level
    r = cli("train", "--config", out / "best.toml", "--dry-run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    best = summary["best"]["params"]
    assert f"learning_rate = {best['learning_rate']!r}" in r.stdout
    assert "best_level.toml" in r.stdout
    assert f"reward = {best['level.resources.ore.reward']!r}" in (out / "best_level.toml").read_text()
    assert "## Best: trial" in (out / "report.md").read_text()
    assert sorted(os.listdir(tmp_path)) == ["out", "s.toml"]  # nothing beside --out


@pytest.mark.slow
def test_a_killed_sweep_resumes_to_exactly_its_budget(tmp_path):
    f = sweep_file(tmp_path, budget=3, train={**TRAIN, "total_steps": 4096})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "learn", "sweep", str(f), "--out", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    second = tmp_path / "out" / "trials" / "0001" / "seed-0" / "metrics.jsonl"
    deadline = time.monotonic() + 300
    while (
        not (second.exists() and second.stat().st_size)
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)  # mid-way through trial 1: it stays RUNNING in optuna.db
    proc.wait()
    assert [t.state.name for t in trials(tmp_path / "out")] == ["COMPLETE", "RUNNING"]
    r = cli("sweep", f, "--out", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "trial 1 was left running" in r.stdout
    ts = trials(tmp_path / "out")
    assert [t.state.name for t in ts] == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    assert ts[2].params == ts[1].params and ts[2].user_attrs["retry_of"] == 1  # the killed one, tried again
    assert (tmp_path / "out" / "best.toml").exists()


SHIPPED = sorted((ROOT / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweeps_pass_their_checks(path, tmp_path):
    runner = SweepRunner(path, tmp_path / "out", progress=None)
    runner.check()
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_shipped_sweep_runs_at_the_smoke_budget(tmp_path):
    r = cli("sweep", ROOT / "sweeps" / "arena_lr.toml", "--smoke", "--out", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(t.state.name for t in trials(tmp_path / "out")) == ["COMPLETE", "COMPLETE"]
    assert (tmp_path / "out" / "best.toml").exists() and (tmp_path / "out" / "report.md").exists()
