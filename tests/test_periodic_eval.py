"""Periodic evaluation during training (learn/training/periodic_eval.py): it leaves the training as it was,
its scores reach metrics.jsonl and the evals table, and best.pt is the policy of the highest score."""

from __future__ import annotations

import json

import pytest
import torch

from learn.rundir import checkpoint as ckpt
from learn.training.config import ConfigError
from learn.training.train import train
from tests.tiny_training import db, tiny

# navigation, 80-step episodes: an untrained policy finds a goal now and then, so the scores move
# from one evaluation to the next (on the tiny levels they stay 0)
NAV = dict(
    level="game/levels/navigation.toml",
    num_worlds=2,
    max_steps=80,
    keep_checkpoints=100,
    checkpoint_interval=1,
)
EPOCH = 2 * 6 * 16
EVAL = dict(eval_interval=1, eval_episodes=4)


def _lines(run_dir):
    return [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]


def _training_figures(line):
    """What the training itself produced in an epoch (not its timings, nor the evaluation)."""
    return {
        k: v
        for k, v in line.items()
        if not k.startswith(("eval/", "timing/", "engine/")) and k not in ("time", "charts/SPS")
    }


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("pe") / "run"
    train(tiny(run_dir, total_steps=8 * EPOCH, **NAV, **EVAL))
    return run_dir


def test_periodic_eval_leaves_the_training_unchanged(evaluated, tmp_path):
    plain = tmp_path / "plain"
    train(tiny(plain, total_steps=8 * EPOCH, **NAV))
    with_eval, without = _lines(evaluated), _lines(plain)
    assert len(with_eval) == len(without) == 8
    assert [_training_figures(a) for a in with_eval] == [_training_figures(b) for b in without]
    assert all("eval/score" in line for line in with_eval) and not any(
        "eval/score" in line for line in without
    )
    a, b = ckpt.load_checkpoint(evaluated), ckpt.load_checkpoint(plain)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_best_pt_is_the_policy_of_the_highest_score(evaluated):
    lines = _lines(evaluated)
    scores = [line["eval/score"] for line in lines]
    assert len(set(scores)) > 1  # else any evaluation would do
    top = scores.index(max(scores))  # the first of equal scores stays the best
    best = ckpt.load_checkpoint(ckpt.best_path(evaluated))
    assert best["eval"]["score"] == max(scores) and best["eval"]["step"] == lines[top]["step"]
    assert best["eval"]["epoch"] == lines[top]["epoch"] and best["eval"]["levels"] == ["navigation"]
    same_step = ckpt.load_checkpoint(f"{evaluated}@{lines[top]['step']}")  # its ckpt_<step>.pt
    assert all(torch.equal(best["model"][k], same_step["model"][k]) for k in best["model"])
    assert [line["eval/best_score"] for line in lines] == [max(scores[: i + 1]) for i in range(len(scores))]
    status = json.loads((evaluated / "status.json").read_text())
    assert status["best_eval"]["step"] == lines[top]["step"] and status["best_eval"]["score"] == max(scores)


def test_best_pt_stays_out_of_rotation_and_resume(evaluated, tmp_path, capsys):
    from learn.__main__ import main

    assert ckpt.best_path(evaluated).name not in [p.name for p in ckpt.list_checkpoints(evaluated)]
    assert ckpt.resolve_checkpoint(evaluated).name == f"ckpt_{8 * EPOCH:012d}.pt"  # the latest, not the best
    assert ckpt.resolve_checkpoint(f"{evaluated}@best") == ckpt.best_path(evaluated)
    assert ckpt.run_dir_of(ckpt.best_path(evaluated)) == evaluated.resolve()
    assert (
        main(
            [
                "eval",
                f"{evaluated}@best",
                "game/levels/navigation.toml",
                "--episodes",
                "1",
                "--out",
                str(tmp_path / "out"),
                "--json",
            ]
        )
        == 0
    )
    best = ckpt.load_checkpoint(ckpt.best_path(evaluated))
    assert json.loads(capsys.readouterr().out)["step"] == best["eval"]["step"]


def test_scores_are_in_the_evals_table(evaluated):
    rows = db(
        evaluated,
        "SELECT step, level, value FROM evals WHERE eval_id LIKE 'periodic-%' AND name = "
        "'mean_return' ORDER BY step",
    )
    lines = _lines(evaluated)
    assert [(r[0], r[1]) for r in rows] == [(line["step"], "navigation") for line in lines]
    assert [r[2] for r in rows] == pytest.approx([line["eval/navigation/mean_return"] for line in lines])
    episodes = db(
        evaluated, "SELECT DISTINCT value FROM evals WHERE eval_id LIKE 'periodic-%' AND name = 'episodes'"
    )
    assert episodes == [(4.0,)]


def test_a_resumed_run_keeps_its_best(evaluated, tmp_path):
    from tests.tiny_training import copy_run

    run_dir = copy_run(evaluated, tmp_path / "run")
    before = ckpt.load_checkpoint(ckpt.best_path(run_dir))["eval"]
    train(tiny(run_dir, total_steps=10 * EPOCH, resume=True, **NAV, **EVAL))
    new = _lines(run_dir)[8:]
    assert [line["epoch"] for line in new] == [9, 10]
    after = ckpt.load_checkpoint(ckpt.best_path(run_dir))["eval"]
    assert after["score"] == max([before["score"]] + [line["eval/score"] for line in new])
    assert all(line["eval/best_score"] >= before["score"] for line in new)


@pytest.mark.parametrize(
    "levels, said",
    [
        (["no_such_level.toml"], "eval_levels: no_such_level.toml is neither a level file nor an eval suite"),
        (
            ["game/levels/hamilton.toml"],  # other actions than navigation's
            "eval_levels: hamilton does not fit the policy trained on game/levels/navigation.toml "
            "(its action_nvec",
        ),
        (["harvest", "game/levels/harvest.toml"], "eval_levels: harvest named twice"),
    ],
)
def test_eval_levels_are_checked_before_training(tmp_path, levels, said):
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError) as e:
        train(tiny(run_dir, total_steps=EPOCH, **NAV, eval_interval=1, eval_levels=levels))
    assert str(e.value).startswith(said) and "\n" not in str(e.value)
    assert not run_dir.exists()  # a refused start leaves no run behind


def test_the_monitor_shows_the_last_evaluation(evaluated):
    from learn.monitor.app import MonitorApp
    from learn.monitor.formatting import fmt
    from tests.monitor_util import cell, drive

    last = _lines(evaluated)[-1]
    app = MonitorApp(evaluated)

    async def script(pilot):
        assert cell(app, "summary", "eval/score", "last") == fmt(last["eval/score"])
        assert cell(app, "summary", "eval/best_score", "last") == fmt(last["eval/best_score"])
        assert cell(app, "summary", "eval/navigation/mean_return", "last") == fmt(
            last["eval/navigation/mean_return"]
        )

    drive(app, script)
