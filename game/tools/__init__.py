"""Tools on top of the env: the `python -m game` level tool (cli.py and its commands), map
rendering to PNG (render.py) and replays (replay.py)."""
