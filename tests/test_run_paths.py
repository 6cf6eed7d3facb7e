"""Runs and studies find their files from any directory: a run keeps copies of its levels and
resumes from them (its relative paths are not looked up from the current directory), shipped
recipes resolve by name like levels, and a study copied out of studies/ still finds the shipped
levels and recipes it names as `../game/levels/...` and `../recipes/...`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from learn.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "levels" / "tiny_harvest.toml"
SMALL = ["--num-worlds", "4", "--horizon", "16", "--quiet", "--no-reference", "--final-eval", "0"]


def test_a_run_resumes_from_another_directory_with_its_own_copy_of_the_level(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(TINY, work / "scarce.toml")
    monkeypatch.chdir(work)
    assert main(["train", "scarce.toml", "--total-steps", "256", "--run-dir", "run", *SMALL]) == 0
    run = work / "run"
    assert (run / "levels" / "scarce.toml").read_bytes() == TINY.read_bytes()
    assert json.loads((run / "levels" / "sources.json").read_text()) == {"scarce.toml": "scarce.toml"}
    (work / "scarce.toml").write_text("this is no longer a level")  # the original changes: the run goes on as it began
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--resume", "--run-dir", str(run), "--total-steps", "512", *SMALL]) == 0
    assert json.loads((run / "status.json").read_text())["global_step"] >= 512
    assert not list(elsewhere.iterdir())  # nothing written where it was run from


def test_shipped_recipes_resolve_by_name_from_any_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("arena", "arena.toml", "../recipes/arena.toml"):
        assert main(["train", "--config", name, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "teacher" in out and "curriculum" in out  # the recipe's fields, not the defaults
    assert main(["train", "--config", "no_such_recipe", "--dry-run"]) == 2
    assert "no_such_recipe: config file not found" in capsys.readouterr().err


@pytest.mark.parametrize("study", ["hamilton", "kin_aggression"])
def test_a_study_copied_out_of_studies_finds_its_shipped_levels(study, tmp_path, monkeypatch, capsys):
    copied = tmp_path / "mine" / f"{study}.toml"
    copied.parent.mkdir()
    shutil.copy(ROOT / "studies" / f"{study}.toml", copied)
    monkeypatch.chdir(tmp_path)
    from learn.study import StudyRunner

    runner = StudyRunner(copied, out=tmp_path / "out", progress=None)
    for arm in runner.arms:
        assert runner._level_of(runner.arms[arm]) == (ROOT / "game" / "levels" / f"{study}.toml").resolve()
