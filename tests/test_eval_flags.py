"""`learn eval`'s flags do what they say for a checkpoint on a level (--out, --max-worlds, --label),
a checkpoint is scored on the user's own level in the suite tables (--suite LEVEL.toml), and a
place that cannot take the results is refused before any episode is played."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import game
from learn.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("evalflags") / "run"
    assert (
        main(
            [
                "train",
                TINY,
                "--total-steps",
                "512",
                "--num-worlds",
                "4",
                "--horizon",
                "16",
                "--run-dir",
                str(d),
                "--quiet",
                "--no-reference",
                "--final-eval",
                "0",
            ]
        )
        == 0
    )
    return d


def _rows(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_out_and_max_worlds_are_honoured(run, tmp_path, monkeypatch):
    worlds = []
    real = game.make_env
    monkeypatch.setattr(
        game, "make_env", lambda *a, **kw: worlds.append(kw.get("num_worlds")) or real(*a, **kw)
    )
    before = _rows(run / "stats.duckdb", "SELECT count(*) FROM evals")[0][0]
    out = tmp_path / "elsewhere"
    assert main(["eval", str(run), TINY, "--episodes", "3", "--max-worlds", "2", "--out", str(out)]) == 0
    assert worlds == [2, 1]  # 3 episodes, 2 worlds at a time
    assert _rows(out / "stats.duckdb", "SELECT count(DISTINCT eval_id) FROM evals")[0][0] == 1
    assert len(list((out / "replays").glob("*.npz"))) == 1
    assert _rows(run / "stats.duckdb", "SELECT count(*) FROM evals")[0][0] == before  # the run is untouched


def test_label_with_a_level_points_to_the_suite_tables(run, capsys):
    assert main(["eval", str(run), TINY, "--label", "mine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--suite {TINY} --label mine" in err


def test_a_run_is_scored_on_the_users_own_level_in_the_suite_tables(run, tmp_path):
    own = tmp_path / "my_level.toml"
    own.write_text(Path(TINY).read_text())
    db = tmp_path / "scores.duckdb"
    assert (
        main(["eval", str(run), "--suite", str(own), "--label", "mine", "--out", str(db), "--episodes", "2"])
        == 0
    )
    assert _rows(db, "SELECT policy, suite FROM suite_runs") == [("mine", "my_level")]
    assert _rows(db, "SELECT count(*) FROM suite_episodes")[0][0] == 2


@pytest.mark.parametrize("suite", [False, True])
def test_results_that_cannot_be_written_are_refused_before_the_episodes(
    run, tmp_path, capsys, monkeypatch, suite
):
    played = []
    real = game.make_env
    monkeypatch.setattr(game, "make_env", lambda *a, **kw: played.append(1) or real(*a, **kw))
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    args = ["eval", str(run), "--suite", TINY] if suite else ["eval", str(run), TINY]
    assert main(args + ["--out", str(blocker / "sub"), "--episodes", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(blocker) in err
    assert len(played) <= 1  # at most the binding check of the level; no episode


def test_a_run_directory_that_cannot_take_the_results_is_refused_before_the_episodes(
    run, tmp_path, capsys, monkeypatch
):
    from tests.tiny_training import copy_run

    d = copy_run(run, tmp_path / "run")
    (d / "replays").write_text("a file where the replays go")  # as a read-only or broken directory would
    played = []
    real = game.make_env
    monkeypatch.setattr(game, "make_env", lambda *a, **kw: played.append(1) or real(*a, **kw))
    assert main(["eval", str(d), TINY, "--episodes", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(d / "replays") in err and "--out DIR" in err
    assert not played
