"""Scoring policies: a checkpoint on a level (evaluate.py), the eval suites and their runner
(suites.py, with replays on request: suite_replays.py), the random, scripted and checkpoint policies
they play (baselines.py) and a study's scripted control (control.py), the cached baseline reference
scores (reference.py), per-episode and per-pair cooperation records and metrics (coop.py, pairs.py),
the scorecard over DuckDB results (scorecard.py) and the project's matplotlib figures (figures.py)."""
