"""The pygame front end: play, spectate and replay a level (see docs/viewer.md).

`python -m viewer play LEVEL [--policy P]`, `python -m viewer spectate LEVEL --policy P`,
`python -m viewer replay FILE`. The simulation (viewer.session) knows nothing of pygame, so it
is tested directly; viewer.app drives it from the keyboard and draws it with viewer.render.
"""

import os
import warnings

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

from viewer.session import Session  # noqa: E402

__all__ = ["Session"]
