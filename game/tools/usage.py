"""The level tool's commands, one line each: `python -m game --help` and docs/levels.md show them."""

USAGE = """\
    python -m game validate LEVEL...          check levels; one clear line per bad level, exit 2
    python -m game render LEVEL -o level.png  a PNG of the map (--seed, --tile)
    python -m game describe LEVEL             the resolved config, the spaces and the features
    python -m game new NAME                   write NAME.toml, a commented template
    python -m game docs -o docs/levels.md     the level reference from the schema (no -o: printed)
"""
