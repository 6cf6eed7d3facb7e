"""benchmarks/fault_injection.py with a few kills: SIGKILL and SIGTERM at random moments, a resume
after each, and the run directory's invariants checked every time (see the script's docstring)."""

from __future__ import annotations

import os

import pytest

from benchmarks.fault_injection import run


@pytest.mark.slow
@pytest.mark.parametrize("seed", [int(os.environ.get("FAULT_SEED", "0"))])
def test_random_kills_keep_the_run_directory_consistent(tmp_path, capsys, seed):
    assert run(kills=4, seed=seed, out=tmp_path) == 0
    out = capsys.readouterr().out
    assert out.count(", ok") == 4 and "every invariant held" in out
    assert "SIGKILL" in out or "SIGTERM" in out


@pytest.mark.slow
@pytest.mark.parametrize("seed", [int(os.environ.get("FAULT_SEED", "0"))])
def test_random_kills_of_a_study_train_and_evaluate_every_job_once(tmp_path, capsys, seed):
    from benchmarks.fault_injection import run_study

    assert run_study(kills=2, seed=seed, out=tmp_path) == 0
    out = capsys.readouterr().out
    assert out.count(", ok") == 2 and "every job once" in out
