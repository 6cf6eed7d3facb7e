"""Paths that name a file where a directory (or a DuckDB file) belongs are refused before any work,
in one line naming the argument (issue 36): `train --run-dir FILE`, `eval ... --out FILE`, `study
--out FILE`, `scorecard --merge NOT_A_DUCKDB`, and a directory given as a level."""

from __future__ import annotations

from pathlib import Path

import pytest

import game
from learn.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")
SMALL = [
    "--total-steps",
    "256",
    "--num-worlds",
    "4",
    "--horizon",
    "16",
    "--quiet",
    "--no-reference",
    "--final-eval",
    "0",
]


@pytest.fixture
def a_file(tmp_path) -> Path:
    f = tmp_path / "notes.txt"
    f.write_text("a researcher's notes\n")
    return f


@pytest.fixture
def played(monkeypatch) -> list:
    """Every env made from here on: a refusal made early makes none."""
    made: list = []
    real = game.make_env
    monkeypatch.setattr(game, "make_env", lambda *a, **kw: made.append(a) or real(*a, **kw))
    return made


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_train_run_dir_that_is_a_file(a_file, capsys, played):
    assert main(["train", TINY, "--run-dir", str(a_file), *SMALL]) == 2
    err = _one_line(capsys)
    assert err == (
        f"error: run_dir (--run-dir) {a_file}: is a file, not a directory; "
        "give a directory (new or existing)\n"
    )
    assert a_file.read_text() == "a researcher's notes\n" and not played


def test_train_run_dir_under_a_file(a_file, capsys):
    assert main(["train", TINY, "--run-dir", str(a_file / "run"), *SMALL]) == 2
    assert f"lies under {a_file}, which is a file" in _one_line(capsys)


@pytest.mark.parametrize("out", ["notes.txt", "notes.txt/results.duckdb"])
def test_eval_out_that_is_a_file_is_refused_before_any_episode(a_file, capsys, played, out):
    target = a_file.parent / out
    assert main(["eval", "--policy", "random", TINY, "--episodes", "1", "--out", str(target)]) == 2
    assert str(target) in _one_line(capsys) and not played


def test_eval_out_duckdb_that_is_not_one(tmp_path, capsys, played):
    fake = tmp_path / "results.duckdb"
    fake.write_text("not a database")
    assert main(["eval", "--policy", "random", TINY, "--episodes", "1", "--out", str(fake)]) == 2
    err = _one_line(capsys)
    assert err.startswith(f"error: --out {fake}: cannot be opened as DuckDB") and not played
    assert fake.read_text() == "not a database"


def test_study_out_that_is_a_file_is_refused_before_the_plan(a_file, capsys):
    """Even a dry run (which measures a short training run for its estimate) is refused at once."""
    assert main(["study", str(ROOT / "studies" / "hamilton.toml"), "--dry-run", "--out", str(a_file)]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: --out {a_file}: is a file, not a directory; give a directory (new or existing)\n"
    assert "estimate" not in out


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A DuckDB file of suite results (one random-policy episode on the tiny level)."""
    db = tmp_path_factory.mktemp("scorecard") / "results.duckdb"
    assert main(["eval", "--policy", "random", TINY, "--episodes", "1", "--out", str(db), "--json"]) == 0
    return db


def test_scorecard_merge_into_a_file_that_is_not_duckdb(results, a_file, capsys):
    assert main(["scorecard", str(results), "--merge", str(a_file), "--png", ""]) == 2
    err = _one_line(capsys)
    assert (
        err.startswith(f"error: --merge {a_file}: cannot be opened as DuckDB (") and "give a new path" in err
    )
    assert a_file.read_text() == "a researcher's notes\n"


def test_scorecard_merge_into_a_directory(results, tmp_path, capsys):
    assert main(["scorecard", str(results), "--merge", str(tmp_path), "--png", ""]) == 2
    assert _one_line(capsys) == f"error: --merge {tmp_path}: is a directory; give a .duckdb file\n"


def test_scorecard_merge_still_merges(results, tmp_path, capsys):
    out = tmp_path / "merged.duckdb"
    assert main(["scorecard", str(results), "--merge", str(out), "--png", "", "--json"]) == 0
    assert main(["scorecard", str(results), "--merge", str(out), "--png", "", "--json"]) == 0  # appends to it
    assert "merged into" in capsys.readouterr().err


def test_a_directory_given_as_a_level_is_named_as_such(tmp_path, capsys):
    """It said "cannot write ...: Is a directory; free space" (a disk error's advice)."""
    assert main(["train", str(tmp_path), "--run-dir", str(tmp_path / "run"), *SMALL]) == 2
    err = _one_line(capsys)
    assert f"{tmp_path}: is a directory, not a level file" in err and "free space" not in err
