"""The TUI monitor under faults: a trainer killed mid-run or failed, and missing, empty or corrupt
run directories or databases."""

import json
import os
import shutil
import signal
import subprocess
import sys

from learn.monitor.app import MonitorApp
from tests.monitor_util import (
    LEVEL,
    ROOT,
    drive,
    header,
    message,
    panels_shown,
    wait_for,
    write_status,
)


def test_killed_trainer_shows_as_crashed(tmp_path):
    run_dir = tmp_path / "killed"
    args = [
        sys.executable,
        "-m",
        "learn",
        "train",
        LEVEL,
        "--run-dir",
        str(run_dir),
        "--quiet",
        "--total-steps",
        str(10**7),
        "--num-worlds",
        "1",
        "--horizon",
        "16",
        "--max-steps",
        "20",
        "--torch-threads",
        "1",
        "--device",
        "cpu",
    ]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    app = MonitorApp(run_dir, interval=0.05)

    async def script(pilot):
        try:
            await wait_for(pilot, lambda: app.snapshot.epoch >= 2, timeout=120)
            assert app.snapshot.state == "running" and "RUNNING" in header(app)
            assert f"trainer pid {proc.pid}" in header(app)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        await wait_for(pilot, lambda: app.snapshot.state == "crashed")
        h = header(app)
        assert "CRASHED" in h and f"pid {proc.pid} is gone without a final record" in h
        assert panels_shown(app)  # what it logged before the kill is still shown

    drive(app, script)


def test_trainer_error_shows_as_crashed(finished_run, tmp_path):
    run_dir = tmp_path / "failed"
    shutil.copytree(finished_run, run_dir)
    status = json.loads((run_dir / "status.json").read_text())
    write_status(run_dir, **{**status, "state": "failed", "error": "RuntimeError: CUDA out of memory"})
    app = MonitorApp(run_dir)

    async def script(pilot):
        assert "CRASHED" in header(app) and "CUDA out of memory" in header(app)

    drive(app, script)


def test_missing_empty_and_corrupt_dirs_give_a_message(tmp_path, finished_run):
    cases = {}
    cases["missing"] = (tmp_path / "nope", "does not exist")
    (tmp_path / "empty").mkdir()
    cases["empty"] = (tmp_path / "empty", "is empty")
    bad = tmp_path / "corrupt"
    bad.mkdir()
    (bad / "config.toml").write_bytes(b"\x00\xff[[[ not toml")
    (bad / "metrics.jsonl").write_bytes(b'\x89PNG\r\n\x1a\n\x00\x00garbage\n{"half": \n')
    (bad / "stats.duckdb").write_bytes(os.urandom(4096))
    (bad / "status.json").write_text("{")
    cases["corrupt"] = (bad, "holds no readable epoch records")
    afile = tmp_path / "a_file"
    afile.write_text("x")
    cases["file"] = (afile, "is not a directory")

    for name, (path, words) in cases.items():
        app = MonitorApp(path)

        async def script(pilot, words=words, name=name):
            assert words in message(app), (name, message(app))
            assert not panels_shown(app), name
            await pilot.press("2", "p", "question_mark", "escape")  # keys still work, nothing raises

        drive(app, script)


def test_corrupt_database_falls_back_to_the_log(finished_run, tmp_path):
    run_dir = tmp_path / "baddb"
    shutil.copytree(finished_run, run_dir)
    (run_dir / "stats.duckdb").write_bytes(os.urandom(8192))
    app = MonitorApp(run_dir)

    async def script(pilot):
        snap = app.snapshot
        assert snap.state == "finished" and snap.source == "metrics.jsonl" and snap.epoch == 6
        assert "stats.duckdb could not be read" in header(app) and panels_shown(app)

    drive(app, script)


def test_an_empty_dir_fills_in(finished_run, tmp_path):
    run_dir = tmp_path / "later"
    run_dir.mkdir()
    app = MonitorApp(run_dir, interval=0.05)

    async def script(pilot):
        assert "is empty" in message(app)
        for name in ("config.toml", "stats.duckdb", "metrics.jsonl", "status.json"):
            shutil.copy(finished_run / name, run_dir / name)
        await wait_for(pilot, lambda: panels_shown(app))
        assert app.snapshot.state == "finished" and app.snapshot.epoch == 6

    drive(app, script)
