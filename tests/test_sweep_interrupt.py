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
    # trial 0 is in the group too: the SIGTERM the sweep passes on can reach it before its own exit
    # (then it was stopped, and is queued again as well) or after (it died on its own: named, not
    # queued); which one is a race of two processes, both told exactly
    stopped0 = ts[0].user_attrs["error"] == "interrupted"
    assert [t.state.name for t in ts] == ["FAIL", "FAIL"] + ["WAITING"] * (1 + stopped0)  # none RUNNING
    assert ts[1].user_attrs["error"] == "interrupted"
    queued = [t.system_attrs["fixed_params"] for t in ts[2:]]
    assert all(t.params == {} for t in ts[2:])
    assert sorted(map(str, queued)) == sorted(map(str, [ts[1].params] + [ts[0].params] * stopped0))
