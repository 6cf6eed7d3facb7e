"""What the monitor's tests share: the tiny run's settings and helpers that drive the app headless
and read what it shows. The finished run itself is the `finished_run` fixture (conftest.py)."""

import asyncio
import json
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from learn.monitor.widgets import RunHeader

LEVEL = "game/levels/arena.toml"
ROOT = Path(__file__).resolve().parents[1]
# 2 worlds x 24 agents, 16-step rollouts, 20-step episodes: an epoch is 768 agent-steps
TINY = dict(
    level=LEVEL,
    num_worlds=2,
    horizon=16,
    max_steps=20,
    minibatches=2,
    checkpoint_interval=3,
    keep_checkpoints=1,
    quiet=True,
    torch_threads=1,
    device="cpu",
)
EPOCH = 48 * 16
SIZE = (140, 44)


def lines_of(run_dir):
    return [json.loads(x) for x in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]


def drive(app, script, size=SIZE):
    """Run `script(pilot)` against the app headless."""

    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(main())


async def wait_for(pilot, cond, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def header(app) -> str:
    return str(app.query_one(RunHeader).content)


def cell(app, table, row, col) -> str:
    return str(app.query_one("#" + table, DataTable).get_cell(row, col))


def message(app) -> str:
    return str(app.query_one("#message", Static).content)


def panels_shown(app) -> bool:
    return app.query_one("#panels", TabbedContent).display and not app.query_one("#message", Static).display


def close(a, b):
    return float(a) == pytest.approx(b, rel=2e-3, abs=1e-12)


def write_status(run_dir, **fields):
    (Path(run_dir) / "status.json").write_text(json.dumps(fields))
