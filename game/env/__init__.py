"""Stage 5, env: GridEnv, the native PufferLib env over many worlds (gridenv.py), and the names and
episode summaries of its stat counters (stats.py)."""
