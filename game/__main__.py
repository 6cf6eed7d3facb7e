"""`python -m game`: the level tool (game/tools/cli.py)."""

import sys

from game.tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
