"""What a Ray task does on its worker (learn/studies/study.py and learn/studies/sweep.py build the payloads):
one study run or one sweep trial, trained in place when the worker sees the driver's directory,
else in a temporary directory whose runs travel back to the driver as bytes.

The payload, a dict the driver builds:
- `fn`, `args`: a module-level function and its argument (a run's TrainConfig fields, a trial's
  task), with paths as they are on the driver;
- `threads`: the run's torch threads (learn/studies/workers.py: the same as in `--jobs 1`);
- `copy`: True forces the path for workers without the driver's filesystem (`--ray-copy`);
- `probe`: [path, token]: a file the driver wrote in its study directory; a worker that reads
  the token there shares the driver's filesystem and writes the runs in place;
- `levels`: {driver path: level TOML text, resolved}: what a worker without that filesystem
  trains and evaluates on, written into its temporary directory under the same file names;
- `runs`: the driver's run directories the call writes; `seeds`: {run dir: tar bytes}: runs to
  continue from their checkpoint, sent along for a worker without the filesystem.

The result: {"ok", "value" (fn's result, or the error), "interrupted", "shared", "node",
"runs": {driver run dir: tar bytes}} (runs only from a temporary directory: learn/studies/run_transfer.py).
An exception of the run is returned as its error, never raised: Ray retries only a task whose
worker died (max_retries), not a run that failed for its own reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

from learn.studies.run_transfer import map_paths, pack_run, unpack_run
from learn.studies.workers import pin_threads

# test hook: the first task to start (anywhere) creates this file and kills its own worker
# process, as the out-of-memory killer would; Ray then runs the task again (tests/test_ray.py)
KILL_ONCE = "LEARN_RAY_KILL_ONCE"


def run(payload: dict[str, Any]) -> dict[str, Any]:
    """The task: payload in, result out (module docstring)."""
    _kill_once()
    pin_threads(int(payload["threads"]), interop=True)
    shared = not payload["copy"] and sees(*payload["probe"])
    tmp = None if shared else Path(tempfile.mkdtemp(prefix="kinship-grid-ray-"))
    try:
        place = {} if tmp is None else materialize(payload, tmp)
        ok, interrupted = False, False
        try:
            value, ok = payload["fn"](map_paths(payload["args"], place)), True
        except KeyboardInterrupt:  # ray.cancel (the driver was stopped): the run wrote a checkpoint
            value, interrupted = "interrupted (a checkpoint was written)", True
        except BaseException as e:
            value = f"{type(e).__name__}: {e}"
        back = {here: there for there, here in place.items()}
        runs = (
            {}
            if tmp is None
            else {rd: pack_run(place[rd], back) for rd in payload["runs"] if Path(place[rd]).is_dir()}
        )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return {
        "ok": ok,
        "value": value,
        "interrupted": interrupted,
        "shared": shared,
        "node": socket.gethostname(),
        "runs": runs,
    }


def sees(path: str, token: str) -> bool:
    """Whether this process reads the driver's probe file with its token: the same filesystem."""
    try:
        return Path(path).read_text(encoding="utf-8") == token
    except (OSError, UnicodeDecodeError):
        return False


def materialize(payload: dict[str, Any], tmp: Path) -> dict[str, str]:
    """The payload's levels and runs in `tmp` (each under its own numbered folder, its file name
    kept: a curriculum names its levels by their stems); {driver path: path here}."""
    place: dict[str, str] = {}
    for i, (path, text) in enumerate(payload["levels"].items()):
        here = tmp / "levels" / str(i) / Path(path).name
        here.parent.mkdir(parents=True)
        here.write_text(text, encoding="utf-8")
        place[path] = str(here)
    for i, rd in enumerate(payload["runs"]):
        here = tmp / "runs" / str(i) / Path(rd).name
        here.parent.mkdir(parents=True)
        if rd in payload["seeds"]:
            unpack_run(payload["seeds"][rd], here)
        place[rd] = str(here)
    return place


def _kill_once() -> None:
    marker = os.environ.get(KILL_ONCE)
    if not marker:
        return
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    os.kill(os.getpid(), signal.SIGKILL)
