"""A corrupt or locked stats.duckdb: one line and exit 2 for train --resume and eval, and an
evaluation's results are kept (as JSON) when the database cannot take them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from learn.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "levels" / "tiny_harvest.toml")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults") / "run"
    assert (
        main(
            [
                "train",
                TINY,
                "--total-steps",
                "512",
                "--num-worlds",
                "4",
                "--horizon",
                "16",
                "--run-dir",
                str(d),
                "--quiet",
                "--no-reference",
                "--final-eval",
                "0",
            ]
        )
        == 0
    )
    return d


def _copy(run: Path, tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "run"
    shutil.copytree(run, d, ignore=shutil.ignore_patterns("lock"))
    return d


def test_resume_with_a_corrupt_database_is_one_line_and_changes_nothing(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    (d / "stats.duckdb").write_bytes(b"this is not a duckdb file" * 100)
    config = (d / "config.toml").read_bytes()
    ckpts = sorted(p.name for p in (d / "checkpoints").iterdir())
    assert main(["train", "--resume", "--run-dir", str(d), "--total-steps", "1024", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "stats.duckdb" in err and "cannot be opened as a DuckDB database" in err and "move it aside" in err
    assert err.count("\n") == 1
    assert (d / "config.toml").read_bytes() == config
    assert sorted(p.name for p in (d / "checkpoints").iterdir()) == ckpts


def test_eval_into_a_corrupt_database_keeps_its_results(run, tmp_path, capsys):
    d = _copy(run, tmp_path)
    (d / "stats.duckdb").write_bytes(b"garbage" * 500)
    assert main(["eval", str(d), TINY, "--episodes", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "results are in" in err
    saved = Path(err.strip().rsplit("results are in ", 1)[1])
    data = json.loads(saved.read_text())
    assert data["episodes"] == 3 and "mean_return" in data and len(data["agent_returns"]) == 3


def test_eval_while_another_process_holds_the_database(run, tmp_path, capsys, monkeypatch):
    from learn.rundir import stats

    monkeypatch.setattr(stats, "LOCK_WAIT_S", 0.5)  # a writer that keeps the file: give up soon
    d = _copy(run, tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"c = duckdb.connect({str(d / 'stats.duckdb')!r})\nprint('held', flush=True)\n"
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["eval", str(d), TINY, "--episodes", "2"]) == 2
        err = capsys.readouterr().err
        assert "in use by another process" in err and "results are in" in err and err.count("\n") == 1
        assert main(["train", "--resume", "--run-dir", str(d), "--total-steps", "1024", "--quiet"]) == 2
        assert "in use by another process" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_a_suite_whose_database_is_corrupt_is_refused_before_its_episodes(tmp_path, capsys):
    db = tmp_path / "bad.duckdb"
    db.write_bytes(b"nope" * 1000)
    assert main(["eval", "--policy", "random", TINY, "--episodes", "2", "--out", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be opened as DuckDB" in err and str(db) in err
    assert db.read_bytes() == b"nope" * 1000


def test_a_suite_whose_database_fails_at_the_end_keeps_its_results(tmp_path, capsys, monkeypatch):
    """A database that refuses the rows once the episodes are played (a disk that filled, a file
    damaged meanwhile): the results are kept as JSON and named."""
    from learn.rundir import stats
    from learn.training import config

    def refuse(*a, **kw):
        raise config.ConfigError(
            f"{tmp_path / 'stats.duckdb'}: cannot be opened as a DuckDB database (damaged)"
        )

    monkeypatch.setattr(stats, "write_suite", refuse)
    assert main(["eval", "--policy", "random", TINY, "--episodes", "2", "--out", str(tmp_path)]) == 2
    err = [
        ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")
    ]  # beside progress lines
    assert len(err) == 1 and "results are in" in err[0]
    saved = json.loads(Path(err[0].rsplit("results are in ", 1)[1]).read_text())
    assert len(saved["episodes"]) == 2 and saved["run"]["policy"] == "random"


def _hold(db: Path, seconds: float, read_only: bool = True) -> subprocess.Popen:
    """Another process that opens `db` (as a monitor or a report reads it) for `seconds`."""
    p = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"c = duckdb.connect({str(db)!r}, read_only={read_only})\nprint('held', flush=True)\n"
            f"time.sleep({seconds})\nc.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_reader_that_holds_the_database_for_a_moment_costs_no_result(run, tmp_path, capsys):
    """A monitor or a report reads stats.duckdb for a moment: an evaluation waits for it to let
    go and writes its rows, where it used to fail at once and keep them only as JSON."""
    d = _copy(run, tmp_path)
    holder = _hold(d / "stats.duckdb", 1.5)
    try:
        assert main(["eval", str(d), TINY, "--episodes", "2"]) == 0
    finally:
        holder.wait()
    con = duckdb.connect(str(d / "stats.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(DISTINCT eval_id) FROM evals").fetchone()[0] == 1
    finally:
        con.close()
    assert not list(d.glob("*unwritten*")) and "results are in" not in capsys.readouterr().err


MONITOR = """
import json, sys, time
from pathlib import Path
import duckdb
from learn.monitor import records
from learn.monitor.data import RunReader

real = records.read_duckdb
def slow_read(path):  # a monitor on a slow disk: each read holds the file a while
    con = duckdb.connect(str(path), read_only=True)
    try:
        time.sleep(1.0)
    finally:
        con.close()
    return real(path)
import learn.monitor.data as data
data.read_duckdb = slow_read
d = Path(sys.argv[1])
run = RunReader(d)
print("watching", flush=True)
states = []
while True:
    snap = run.refresh()
    states.append((snap.state, snap.state_detail))
    if snap.state in ("finished", "crashed", "interrupted"):
        break
    time.sleep(0.02)
print(json.dumps(states[-1]), flush=True)
"""


def test_a_monitor_watching_from_start_to_end_costs_the_run_nothing(tmp_path, capsys):
    """A monitor in another process from the first epoch to the end: the run finishes with its
    summary and its final evaluation in stats.duckdb (the run says `running` through the final
    evaluation, so the monitor reads metrics.jsonl, not the database, until its rows are in)."""
    d = tmp_path / "run"
    d.mkdir()
    mon = subprocess.Popen(
        [sys.executable, "-c", MONITOR, str(d)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert mon.stdout.readline().strip() == "watching"
        assert (
            main(
                [
                    "train",
                    TINY,
                    "--total-steps",
                    "1024",
                    "--num-worlds",
                    "4",
                    "--horizon",
                    "16",
                    "--run-dir",
                    str(d),
                    "--no-reference",
                    "--final-eval",
                    "3",
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        last = json.loads(mon.stdout.readline())
    finally:
        mon.kill()
        mon.wait()
    assert "eval on tiny_harvest" in out  # the summary, with the final evaluation
    assert last[0] == "finished"
    assert json.loads((d / "status.json").read_text())["state"] == "finished"
    con = duckdb.connect(str(d / "stats.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(DISTINCT eval_id) FROM evals").fetchone()[0] == 1
    finally:
        con.close()
