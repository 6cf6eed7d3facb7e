"""The TUI monitor against real run directories: a finished tiny training run and a run written
while the app follows it. Killed trainers and missing, empty or corrupt directories are in
tests/test_monitor_faults.py."""

import json
import shutil
import socket
from pathlib import Path

import psutil
import pytest
from textual.widgets import DataTable, TabbedContent

from learn.monitor.app import HelpScreen, MonitorApp
from learn.monitor.data import RunReader
from learn.monitor.formatting import fmt
from learn.monitor.widgets import LinePlot
from tests.monitor_util import (
    EPOCH,
    LEVEL,
    ROOT,
    cell,
    close,
    drive,
    header,
    lines_of,
    wait_for,
    write_status,
)


def test_finished_run_shows_the_numbers_in_its_files(finished_run):
    lines = lines_of(finished_run)
    last = lines[-1]
    with_episodes = [x for x in lines if x.get("charts/episodes")]
    app = MonitorApp(finished_run)

    async def script(pilot):
        snap = app.snapshot
        assert snap.state == "finished" and snap.source == "stats.duckdb" and not snap.warnings
        h = header(app)
        assert "FINISHED" in h and "finished" in h and LEVEL in h
        assert f"{6 * EPOCH:,} / {6 * EPOCH:,}" in h and "epoch 6" in h
        # the overview and loss plots end on the logged values
        assert close(app.query_one("#plot-return", LinePlot).last, last["charts/episode_return"])
        assert close(app.query_one("#plot-hearts", LinePlot).last, last["charts/hearts"])
        for key in ("policy", "value", "entropy", "approx_kl", "clipfrac", "explained_variance"):
            plot = app.query_one(f"#plot-{key}", LinePlot)
            assert len(plot.data[1]) == 6 and close(plot.last, last[f"losses/{key}"]), key
            assert fmt(plot.last) in plot.border_subtitle
        assert cell(app, "summary", "losses/entropy", "last") == fmt(last["losses/entropy"])
        # the time split: trainer phases and the engine's systems
        for p in ("env", "inference", "learn"):
            assert close(cell(app, "phases", p, "last epoch s"), last[f"timing/{p}"]), p
            assert close(cell(app, "phases", p, "run total s"), sum(x[f"timing/{p}"] for x in lines)), p
        assert close(cell(app, "engine", "actions.move", "last epoch ms"), 1000 * last["engine/actions.move"])
        assert cell(app, "engine", "observe.observation", "phase") == "observe"
        # game stats: the last epoch in which episodes ended
        ep = with_episodes[-1]
        assert close(cell(app, "actions", "move", "success"), ep.get("episode/action.move.success", 0.0))
        assert close(cell(app, "actions", "attack", "failed"), ep.get("episode/action.attack.failed", 0.0))
        assert close(cell(app, "social", "energy.spent", "last"), ep["episode/energy.spent"])
        assert close(cell(app, "social", "attack.kin", "last"), ep.get("episode/attack.kin", 0.0))
        n = sum(x["charts/episodes"] for x in with_episodes)
        mean = sum(x["episode/energy.spent"] * x["charts/episodes"] for x in with_episodes) / n
        assert close(cell(app, "social", "energy.spent", "run mean"), mean)
        assert close(cell(app, "resources", "ore", "made"), ep.get("episode/ore.gained", 0.0))

    drive(app, script)


def test_duckdb_and_metrics_log_agree(finished_run):
    """A finished run is read from DuckDB; the same epochs are in the log the live view tails."""
    from learn.monitor.records import read_duckdb

    db = read_duckdb(finished_run / "stats.duckdb")
    log = lines_of(finished_run)
    assert [r["epoch"] for r in db] == [x["epoch"] for x in log]
    for r, x in zip(db, log):
        for k, v in x.items():
            if isinstance(v, float):
                assert r.get(k, 0.0) == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_key_bindings(finished_run):
    app = MonitorApp(finished_run)

    async def script(pilot):
        tabs = app.query_one("#panels", TabbedContent)
        assert tabs.active == "overview"
        for key, panel in (("2", "losses"), ("3", "time"), ("4", "game"), ("1", "overview")):
            await pilot.press(key)
            assert tabs.active == panel
        await pilot.press("right_square_bracket")
        assert tabs.active == "losses"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert tabs.active == "game"
        await pilot.press("p")
        assert app.paused and "PAUSED" in header(app)
        await pilot.press("space")
        assert not app.paused and "follow on" in header(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")  # closes the help, not the app
        assert not isinstance(app.screen, HelpScreen) and app.return_code is None
        await pilot.press("question_mark", "escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0

    drive(app, script)


def test_a_run_being_written_is_followed(finished_run, tmp_path):
    src = lines_of(finished_run)
    raw = (finished_run / "metrics.jsonl").read_text().splitlines(keepends=True)
    run_dir = tmp_path / "live"
    run_dir.mkdir()
    shutil.copy(finished_run / "config.toml", run_dir / "config.toml")
    # this test's process plays the trainer: alive, on this host
    me = psutil.Process()
    write_status(
        run_dir,
        state="running",
        pid=me.pid,
        host=socket.gethostname(),
        pid_created=me.create_time(),
        started=src[0]["time"] - 1,
        total_steps=6 * EPOCH,
        level=LEVEL,
    )
    log = run_dir / "metrics.jsonl"
    log.write_text("".join(raw[:3]))
    app = MonitorApp(run_dir, interval=0.05)

    def append(text):
        with open(log, "a") as f:
            f.write(text)

    async def script(pilot):
        assert app.snapshot.state == "running" and app.snapshot.source == "metrics.jsonl"
        h = header(app)
        assert "RUNNING" in h and f"{3 * EPOCH:,} / {6 * EPOCH:,}" in h and "ETA -" not in h
        assert cell(app, "summary", "losses/value", "last") == fmt(src[2]["losses/value"])
        # half a line: the trainer is mid-write; nothing changes and nothing is reported corrupt
        half = len(raw[3]) // 2
        append(raw[3][:half])
        n = app.refreshes
        await wait_for(pilot, lambda: app.refreshes > n + 2)
        assert app.snapshot.epoch == 3 and not app.snapshot.warnings
        append(raw[3][half:])
        await wait_for(pilot, lambda: app.snapshot.epoch == 4)
        assert cell(app, "summary", "losses/value", "last") == fmt(src[3]["losses/value"])
        assert len(app.query_one("#plot-value", LinePlot).data[1]) == 4
        # paused: the view stays on epoch 4 while the log grows
        await pilot.press("p")
        append(raw[4])
        await pilot.pause(0.3)
        assert app.snapshot.epoch == 4 and "PAUSED" in header(app)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.snapshot.epoch == 5)
        assert f"{5 * EPOCH:,} / {6 * EPOCH:,}" in header(app)
        # following goes on behind the help screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        n = app.refreshes
        await wait_for(pilot, lambda: app.refreshes > n + 2)
        await pilot.press("escape")
        # a damaged line is skipped and reported; the next good one still arrives
        append("{this is not json\n" + raw[5])
        await wait_for(pilot, lambda: app.snapshot.epoch == 6)
        assert "1 corrupt line" in header(app)
        # the trainer writes its final record
        write_status(
            run_dir,
            state="finished",
            pid=me.pid,
            host=socket.gethostname(),
            started=src[0]["time"] - 1,
            ended=src[-1]["time"],
            total_steps=6 * EPOCH,
            level=LEVEL,
        )
        await wait_for(pilot, lambda: app.snapshot.state == "finished")
        assert "FINISHED" in header(app)

    drive(app, script)


def test_resumed_segment_replaces_the_rerun_epochs(tmp_path):
    rows = [
        {"segment": 0, "epoch": e, "step": 100 * e, "time": float(e), "losses/value": float(e)}
        for e in range(1, 6)
    ]
    rows += [
        {"segment": 1, "epoch": e, "step": 100 * e, "time": 10.0 + e, "losses/value": 10.0 + e}
        for e in range(5, 8)
    ]  # resumed from the checkpoint at epoch 4
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    snap = RunReader(tmp_path).refresh()
    assert snap.series("losses/value") == ([100, 200, 300, 400, 500, 600, 700], [1, 2, 3, 4, 15, 16, 17])
    assert snap.state == "unknown" and "no status.json" in snap.state_detail


def test_train_with_monitor_flag(tmp_path, monkeypatch):
    """`train --monitor` runs the trainer as a child and hands the monitor its process."""
    import learn.monitor
    from learn.__main__ import main

    seen = {}

    def fake_monitor(run_dir, proc=None, interval=1.0):
        seen["run_dir"], seen["code"] = Path(run_dir), proc.wait(timeout=120)
        seen["state"] = RunReader(run_dir, proc=proc).refresh().state

    monkeypatch.setattr(learn.monitor, "run_monitor", fake_monitor)
    run_dir = tmp_path / "flag"
    monkeypatch.chdir(ROOT)
    code = main(
        [
            "train",
            LEVEL,
            "--monitor",
            "--run-dir",
            str(run_dir),
            "--total-steps",
            str(2 * 384),
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
    )
    assert code == 0 and seen == {"run_dir": run_dir, "code": 0, "state": "finished"}
    assert len(lines_of(run_dir)) == 2
    log = (run_dir / "train.log").read_text()
    assert f"train {2 * 384:,}/{2 * 384:,} steps" in log and "training summary" in log


def test_reference_points_and_the_failed_action_warning(finished_run, tmp_path):
    status = json.loads((finished_run / "status.json").read_text())
    ref = status["reference"]
    assert set(ref) == {"random", "scripted"} and "first_return" in status
    app = MonitorApp(finished_run)

    async def script(pilot):
        h = header(app)
        assert "reference" in h and f"random {ref['random']['mean_return']:.4g}" in h
        assert f"first epoch {status['first_return']:.4g}" in h
        assert close(cell(app, "summary", "reference/scripted", "last"), ref["scripted"]["mean_return"])
        assert close(cell(app, "summary", "reference/first", "last"), status["first_return"])
        last = lines_of(finished_run)[-1]
        assert close(cell(app, "summary", "charts/failed_actions", "last"), last["charts/failed_actions"])
        assert ("WARNING" in h) == (last["charts/failed_actions"] > 1 / 3)

    drive(app, script)
    # a run whose actions mostly fail says so in its header; a curriculum's levels get rows
    run_dir = tmp_path / "failing"
    run_dir.mkdir()
    shutil.copy(finished_run / "config.toml", run_dir / "config.toml")
    line = dict(
        lines_of(finished_run)[-1], **{"charts/failed_actions": 0.6, "level/harvest/episode_return": 0.25}
    )
    (run_dir / "metrics.jsonl").write_text(json.dumps(line) + "\n")
    write_status(
        run_dir,
        state="finished",
        started=line["time"] - 1,
        ended=line["time"],
        total_steps=6 * EPOCH,
        level=LEVEL,
    )
    app = MonitorApp(run_dir)

    async def script2(pilot):
        assert "WARNING: 60% of actions fail" in header(app)
        assert cell(app, "summary", "level/harvest/episode_return", "last") == fmt(0.25)

    drive(app, script2)


def test_a_cell_that_grows_widens_its_column():
    """Live values arrive after "-": the column must widen (it stuck at the first width)."""
    from rich.text import Text
    from textual.app import App

    from learn.monitor.app import _fill

    class One(App):
        def compose(self):
            yield DataTable(id="t")

    app = One()

    async def script(pilot):
        t = app.query_one("#t", DataTable)
        t.add_column("metric", key="metric")
        t.add_column("last", key="last")
        _fill(t, [("sps", ["SPS", Text("-")])])
        await pilot.pause()
        _fill(t, [("sps", ["SPS", Text("26,059")])])  # the same rows: updated in place
        await pilot.pause()
        assert t.columns[next(k for k in t.columns if k.value == "last")].content_width >= len("26,059")
        assert str(t.get_cell("sps", "last")) == "26,059"

    drive(app, script)
