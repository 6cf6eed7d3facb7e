"""The run directory's plumbing: claiming and locking it and keeping its levels (rundir.py), files
written whole or not at all (atomic.py), checkpoints (checkpoint.py) and the run's logs,
metrics.jsonl, status.json and stats.duckdb (stats.py)."""
