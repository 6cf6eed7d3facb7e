"""Where files cannot go: an unwritable --run-dir is refused in one line before anything runs; a
disk that fills during training stops the run in one line that names the file and the way back
(--resume), marks it failed, leaves no temporary file and keeps the last good checkpoint, from
which the run then continues."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
import torch

from learn.__main__ import main
from learn.rundir import atomic

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")
EPOCH = 4 * 16  # 4 worlds x 1 agent x 16-step rollouts
FLAGS = ["--num-worlds", "4", "--horizon", "16", "--quiet", "--no-reference", "--final-eval", "0"]


def _full(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_run_dir_that_cannot_be_created_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    rc = main(["train", TINY, "--total-steps", str(EPOCH), "--run-dir", str(blocker / "run"), *FLAGS])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert str(blocker / "run") in err and (
        "writable --run-dir" in err or f"lies under {blocker}, which is a file" in err
    )
    assert blocker.read_text() == "not a directory"


def test_disk_full_at_a_checkpoint_stops_cleanly_and_resumes(tmp_path, capsys, monkeypatch):
    d = tmp_path / "run"
    real_save = torch.save
    saves = []

    def save_then_fill(obj, f, *a, **k):  # the second checkpoint finds the disk full mid-file
        saves.append(1)
        if len(saves) == 2:
            f.write(b"PK\x03\x04 half a checkpoint")
            _full()
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save_then_fill)
    rc = main(
        [
            "train",
            TINY,
            "--total-steps",
            str(8 * EPOCH),
            "--checkpoint-interval",
            "2",
            "--run-dir",
            str(d),
            *FLAGS,
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert "No space left on device" in err and "--resume" in err and "ckpt_000000000128.pt" in err
    status = json.loads((d / "status.json").read_text())
    assert status["state"] == "failed" and "No space left" in status["error"]
    assert not [p for p in d.rglob("*") if p.name.endswith(".tmp")], "a temporary file was left behind"
    assert [p.name for p in sorted((d / "checkpoints").iterdir())] == ["ckpt_000000000128.pt"]

    monkeypatch.setattr(torch, "save", real_save)  # space freed: the same run goes on
    assert main(["train", "--resume", "--run-dir", str(d), "--total-steps", str(8 * EPOCH), "--quiet"]) == 0
    assert json.loads((d / "status.json").read_text())["state"] == "finished"
    lines = [json.loads(x) for x in (d / "metrics.jsonl").read_text().splitlines()]
    last = max(x["segment"] for x in lines)
    assert [x["epoch"] for x in lines if x["segment"] == last] == list(
        range(3, 9)
    )  # from the kept checkpoint


def test_status_is_written_in_place_when_the_disk_is_full(tmp_path, monkeypatch):
    """A full disk has no room for a second copy of status.json; the final state must still land."""
    from learn.rundir.stats import write_status

    write_status(tmp_path, state="running")
    monkeypatch.setattr(atomic, "atomic_open", _full_open)
    write_status(tmp_path, state="failed", error="disk full")
    assert json.loads((tmp_path / "status.json").read_text()) == {"state": "failed", "error": "disk full"}
    assert not list(tmp_path.glob(".*"))


def _full_open(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("fail", [KeyboardInterrupt, lambda: OSError(errno.ENOSPC, "full")])
def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path, fail):
    path = tmp_path / "f.json"
    atomic.write_text(path, "old")
    with pytest.raises((KeyboardInterrupt, OSError)):
        with atomic.atomic_open(path, "w") as f:
            f.write("new, half")
            raise fail()
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
