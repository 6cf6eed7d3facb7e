"""Reference points: baseline scores per level (cached), the failed-action share, the verdict,
and the training summary that shows them."""

import json
from pathlib import Path

import pytest

import learn.evaluation.reference as ref
from learn.training.config import load_config
from learn.training.train import train

TINY = "tests/levels/tiny_harvest.toml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KINSHIP_GRID_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_baselines_are_scored_once_then_read_from_the_cache(cache, monkeypatch, tmp_path):
    first = ref.baseline_scores(TINY, episodes=2)
    assert set(first) == {"random", "scripted"}
    assert first["scripted"]["mean_return"] > first["random"]["mean_return"] >= 0
    assert len(list((cache / "baselines").glob("*.json"))) == 1

    def boom(*a, **k):
        raise AssertionError("scored again")

    monkeypatch.setattr(ref, "run_entry", boom)
    assert ref.baseline_scores(TINY, episodes=2) == first
    # another level file (or episode length) is another entry
    other = tmp_path / "other.toml"
    other.write_text(Path(TINY).read_text().replace("reward = 0.1", "reward = 0.2"))
    with pytest.raises(AssertionError, match="scored again"):
        ref.baseline_scores(other, episodes=2)
    with pytest.raises(AssertionError, match="scored again"):
        ref.baseline_scores(TINY, max_steps=10, episodes=2)


def test_a_baseline_that_cannot_play_is_missing(cache, tmp_path):
    level = tmp_path / "no_use.toml"
    level.write_text(Path(TINY).read_text() + "\n[actions.use]\nenabled = false\n")
    scores = ref.baseline_scores(level, episodes=1)
    assert scores["scripted"] is None and scores["random"] is not None


def test_an_unwritable_cache_still_gives_scores(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("KINSHIP_GRID_CACHE", str(blocker))
    assert ref.baseline_scores(TINY, episodes=1)["random"] is not None


def test_failed_action_share():
    assert ref.failed_action_share(
        {"episode_length": 100, "action.invalid_arg": 20.0, "action.no_energy": 15.0}
    ) == pytest.approx(0.35)
    assert ref.failed_action_share({"episode_length": 100}) == 0.0
    assert ref.failed_action_share({}) is None


def test_verdict():
    scores = {
        "random": {"mean_return": 0.01, "hearts_per_agent": 0.0},
        "scripted": {"mean_return": 4.0, "hearts_per_agent": 3.0},
    }
    assert ref.verdict(2.0, 0.0, scores) == "above random, 50% of scripted, +2 since the first epoch"
    assert ref.verdict(0.005, 0.01, scores).startswith("NOT above random")
    assert ref.verdict(0.0, 0.0, {"random": {"mean_return": 0.0, "hearts_per_agent": 0.0}}).startswith("NOT")
    assert ref.verdict(float("nan"), 0.0, scores) == "no episode has ended yet"


def test_the_summary_carries_the_reference_points(cache, tmp_path, capsys):
    cfg = load_config(
        overrides=dict(
            level=TINY,
            total_steps=4 * 16 * 8,
            num_worlds=8,
            horizon=16,
            run_dir=str(tmp_path / "run"),
            torch_threads=1,
        )
    )
    s = train(cfg)
    assert s["baselines"] == ref.baseline_scores(TINY)
    assert s["first_return"] == s["first_return"] and 0.0 <= s["failed_action_share"] <= 1.0
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["reference"] == s["baselines"] and status["first_return"] == s["first_return"]
    out = capsys.readouterr().out
    for words in (
        "random baseline",
        "scripted baseline",
        "first epoch's return",
        "verdict",
        "failed actions",
    ):
        assert words in out, out
    # off: no baselines are scored
    s = train(
        load_config(
            overrides=dict(
                level=TINY,
                total_steps=16 * 8,
                num_worlds=8,
                horizon=16,
                quiet=True,
                run_dir=str(tmp_path / "run2"),
                reference=False,
                torch_threads=1,
            )
        )
    )
    assert s["baselines"] == {}
