"""Training: PPO over the game's native PufferLib env, with checkpoints, run stats and eval.

`learn.training.train.train(config)` trains; `python -m learn train LEVEL` is the command line
(learn/__main__.py). The modules live in rooms by job: learn/training/ (what runs a training),
learn/policies/ (the policies and their encoders), learn/evaluation/ (scoring policies: eval,
suites, the scorecard, baselines, figures), learn/studies/ (studies and sweeps, locally or on Ray),
learn/rundir/ (the run directory: locks, atomic files, checkpoints, stats) and learn/monitor/
(the TUI monitor).
"""

import os

# On a small shared CPU, OpenMP threads that spin while another process holds a core make
# each torch op wait for a descheduled thread (measured: 85 ms instead of 1 ms per forward on
# two cores with one busy). Sleeping waits avoid that; this only takes effect if it is set
# before torch is first imported, and an explicit setting in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def console():
    """A rich Console for tables: the terminal's width on a terminal; elsewhere (a log file, a
    pipe, CI) 200 columns, since rich would otherwise assume 80 and cut paths with an ellipsis."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)
