"""Runs and studies find their files from any directory: a run keeps copies of its levels and
resumes from them (its relative paths are not looked up from the current directory), shipped
recipes resolve by name like levels, and a study copied out of studies/ still finds the shipped
levels and recipes it names as `../game/levels/...` and `../recipes/...`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from game.load.level import load_level
from learn.__main__ import main
from learn.rundir.rundir import keep_levels, kept_levels

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
    assert load_level(run / "levels" / "scarce.toml") == load_level(TINY)
    assert json.loads((run / "levels" / "sources.json").read_text()) == {"scarce.toml": "scarce.toml"}
    (work / "scarce.toml").write_text(
        "this is no longer a level"
    )  # the original changes: the run goes on as it began
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
    from learn.studies.study import StudyRunner

    runner = StudyRunner(copied, out=tmp_path / "out", progress=None)
    for arm in runner.arms:
        assert runner._level_of(runner.arms[arm]) == (ROOT / "game" / "levels" / f"{study}.toml").resolve()


def test_a_kept_level_with_a_base_loads_from_the_copy(tmp_path):
    """The default recipe trains on game/levels/training/arena_short.toml (base = "../arena.toml"):
    its copy is the level written out whole, so it loads beside no base and stays as it began."""
    import game

    short = ROOT / "game" / "levels" / "training" / "arena_short.toml"
    assert "base" in short.read_text()
    run = tmp_path / "run"
    run.mkdir()
    keep_levels(run, "game/levels/arena.toml", [str(short)])
    saved = kept_levels(
        run, {"level": "game/levels/arena.toml", "curriculum": [{"level": str(short), "weight": 1}]}
    )
    copy = Path(saved["curriculum"][0]["level"])
    assert copy.parent == (run / "levels").resolve() and "base" not in copy.read_text()
    assert load_level(copy) == load_level(short)
    game.make_env(str(copy), num_worlds=1).close()
    # a path that is no copy of this run's (not in sources.json, not in a levels/ folder) stays itself
    assert kept_levels(run, {"level": "other/arena.toml"})["level"] == "other/arena.toml"


def test_a_mistyped_recipe_folder_is_not_taken_for_a_shipped_recipe(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--config", "experiments/v2/arena.toml", "--dry-run"]) == 2
    assert "experiments/v2/arena.toml: config file not found" in capsys.readouterr().err
