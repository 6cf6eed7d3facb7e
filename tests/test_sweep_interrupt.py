"""`learn sweep --jobs N` stopped by SIGTERM sent to its whole process group (what `kill -- -PGID`
or a job scheduler does): a trial process the signal reached before it could report (still
importing torch, say) is told as interrupted and queued again, and the sweep ends with
Terminated, leaving no trial RUNNING (found on sweeps/tiny_harvest.toml: the sweep died with an
EOFError from the dead trial's pipe)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from learn.studies.sweep import SweepRunner
from learn.training.distributed import Terminated

from .test_sweep import sweep_file, trials


def group_sigterm_trial(task):
    """Trial 0 plays the group's SIGTERM: to the sweep, then it dies itself; trial 1 is a trial
    process the signal kills before it reports (it outlives the sweep's first look, then exits
    without a word)."""
    if task["number"] == 0:
        time.sleep(1.5)  # trial 1 has its handler by now
        os.kill(os.getppid(), signal.SIGTERM)
        os._exit(1)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3)
    os._exit(0)


def test_a_trial_killed_by_the_groups_sigterm_before_it_reports_is_queued_again(tmp_path):
    runner = SweepRunner(
        sweep_file(tmp_path, budget=2), tmp_path / "out", progress=None, trial_fn=group_sigterm_trial
    )
    with pytest.raises(Terminated):
        runner.run(jobs=2)
    ts = trials(tmp_path / "out")
    assert [t.state.name for t in ts] == ["FAIL", "FAIL", "WAITING"]  # nothing left RUNNING
    assert ts[1].user_attrs["error"] == "interrupted"
    assert (
        ts[2].params == {} and ts[2].system_attrs["fixed_params"] == ts[1].params
    )  # trial 1's, queued again
