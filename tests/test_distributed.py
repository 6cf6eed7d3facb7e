"""Data-parallel PPO under torchrun (2 ranks, gloo, CPU): identical parameters, rank 0 as the only
writer, steps summed over ranks; a rank that dies or hangs stops the job with a clear error, and
the run resumes from its last checkpoint with another number of ranks."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import torch.distributed as dist

from learn.rundir import checkpoint as ckpt
from learn.training.config import load_config
from learn.training.distributed import DistContext, SigtermGuard, explain, state_checksum
from learn.training.envs import env_seed
from learn.training.train import train

ROOT = Path(__file__).resolve().parents[1]
LEVEL = str(ROOT / "game/levels/arena.toml")
# per rank: 1 world x 24 agents, 16-step rollouts, 20-step episodes (as in tests/tiny_training.py)
EPOCH = 24 * 16
FLAGS = [
    "--num-worlds",
    "1",
    "--horizon",
    "16",
    "--max-steps",
    "20",
    "--minibatches",
    "2",
    "--torch-threads",
    "1",
    "--device",
    "cpu",
    "--backend",
    "gloo",
    "--quiet",
]

pytestmark = pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()), reason="needs gloo")


def torchrun(cwd: Path, *args: str, nproc: int = 2, env: dict | None = None, timeout: float = 300):
    """`torchrun --standalone` (a free port on localhost) with `-m learn train LEVEL ...`; returns
    (exit code, combined output, seconds)."""
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(nproc),
        "-m",
        "learn",
        "train",
        LEVEL,
        *FLAGS,
        *args,
    ]
    full_env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        **(env or {}),
    }
    cwd.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    p = subprocess.run(
        cmd,
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    return p.returncode, p.stdout.decode(errors="replace"), time.monotonic() - t0


def records(debug_dir: Path) -> dict[int, list[dict]]:
    return {
        int(p.stem[4:]): [json.loads(x) for x in p.read_text().splitlines()]
        for p in sorted(debug_dir.glob("rank*.jsonl"))
    }


def metrics_lines(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]


def db(run_dir: Path, sql: str):
    con = duckdb.connect(str(run_dir / "stats.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_rank_env_seeds_never_overlap():
    """World w of env i of rank r gets seed (seed + r * num_envs + i) * num_worlds + w."""
    for seed, num_envs, num_worlds in ((0, 1, 16), (7, 3, 4)):
        c = load_config(overrides=dict(seed=seed, num_envs=num_envs, num_worlds=num_worlds))
        worlds = [
            (env_seed(c, r) + i) * num_worlds + w
            for r in range(4)
            for i in range(num_envs)
            for w in range(num_worlds)
        ]
        assert len(set(worlds)) == len(worlds)
    assert env_seed(load_config(overrides=dict(seed=5)), 0) == 5  # a single process is unchanged


@pytest.mark.slow
def test_two_ranks_identical_params_rank0_writes_steps_summed(tmp_path):
    work, debug = tmp_path / "work", tmp_path / "debug"
    epochs = 4
    rc, out, secs = torchrun(
        work,
        "--total-steps",
        str(epochs * 2 * EPOCH),
        "--checkpoint-interval",
        "2",
        env={"LEARN_DIST_DEBUG_DIR": str(debug)},
    )
    assert rc == 0, out[-4000:]

    # parameters (and the obs-scale buffer) identical on both ranks after every update
    rec = records(debug)
    assert sorted(rec) == [0, 1]
    assert [r["epoch"] for r in rec[0]] == [r["epoch"] for r in rec[1]] == list(range(1, epochs + 1))
    for a, b in zip(rec[0], rec[1]):
        assert a["checksum"] == b["checksum"], (a, b)
        assert a["global_step"] == b["global_step"]
    assert rec[0][0]["checksum"] != rec[0][-1]["checksum"]  # and they did train
    assert rec[0][0]["pid"] != rec[1][0]["pid"] and rec[0][0]["env_seed"] != rec[1][0]["env_seed"]

    # rank 0 alone wrote: one run directory (the default name, chosen by rank 0), one line per epoch
    runs = list((work / "runs").iterdir())
    assert [p.name for p in work.iterdir()] == ["runs"] and len(runs) == 1, list(work.rglob("*"))
    run_dir = runs[0]
    assert {p.name for p in run_dir.iterdir()} == {
        "config.toml",
        "status.json",
        "metrics.jsonl",
        "stats.duckdb",
        "checkpoints",
        "lock",
        "replays",
        "levels",
        "tb",
    }
    # replays: the final eval's; levels: the run's copies; tb: rank 0's event file alone
    assert len(list((run_dir / "tb").iterdir())) == 1
    assert len(db(run_dir, "SELECT DISTINCT eval_id FROM evals")) == 1  # one final eval, by rank 0 alone
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "finished" and status["pid"] == rec[0][0]["pid"] and status["world_size"] == 2
    assert db(
        run_dir, "SELECT count(*) FROM (SELECT epoch, name FROM metrics GROUP BY ALL HAVING count(*) > 1)"
    ) == [(0,)]

    # the logged step count is the sum over ranks, and so are the episode counts
    lines = metrics_lines(run_dir)
    assert [x["epoch"] for x in lines] == list(range(1, epochs + 1))
    prev = 0
    for line, a, b in zip(lines, rec[0], rec[1]):
        assert line["step"] - prev == a["local_steps"] + b["local_steps"] == 2 * EPOCH
        assert line["charts/episodes"] == a["local_episodes"] + b["local_episodes"]
        assert line["dist/world_size"] == 2
        prev = line["step"]
    assert sum(x["charts/episodes"] for x in lines) > 0

    # checkpoints hold the same weights the ranks had
    last = ckpt.list_checkpoints(run_dir)[-1]
    data = ckpt.load_checkpoint(last)
    assert data["global_step"] == epochs * 2 * EPOCH and data["world_size"] == 2
    assert state_checksum(data["model"]) == rec[0][-1]["checksum"]


@pytest.mark.slow
def test_dead_rank_stops_the_job_then_resumes_with_other_rank_counts(tmp_path):
    run_dir, debug = tmp_path / "run", tmp_path / "debug"
    fail = {"LEARN_DIST_FAIL_RANK": "1", "LEARN_DIST_FAIL_EPOCH": "2", "LEARN_DIST_DEBUG_DIR": str(debug)}
    rc, out, secs = torchrun(
        tmp_path,
        "--run-dir",
        str(run_dir),
        "--total-steps",
        str(100 * 2 * EPOCH),
        "--checkpoint-interval",
        "1",
        "--dist-timeout",
        "30",
        env=fail,
    )
    # the whole job stops, non-zero, and says which rank failed and why; a hang would run into
    # torchrun()'s subprocess timeout instead (no wall-clock bound here: machines are noisy)
    assert rc != 0, (rc, secs, out[-3000:])
    assert "injected failure on rank 1 after epoch 2" in out and "Root Cause" in out, out[-3000:]
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "failed" and "another rank" in status["error"], status
    assert [r["epoch"] for r in records(debug)[1]] == [1, 2]
    found = ckpt.list_checkpoints(run_dir)
    assert found and ckpt.load_checkpoint(found[-1])["global_step"] in (2 * EPOCH, 4 * EPOCH)
    last = ckpt.load_checkpoint(found[-1])

    # resume the 2-rank run with 1 process (no torchrun) ...
    c = load_config(
        overrides=dict(
            level=LEVEL,
            num_worlds=1,
            horizon=16,
            max_steps=20,
            minibatches=2,
            torch_threads=1,
            device="cpu",
            quiet=True,
            run_dir=str(run_dir),
            resume=True,
            total_steps=last["global_step"] + EPOCH,
        )
    )
    s = train(c)
    assert s["resumed_from"] == str(found[-1]) and s["world_size"] == 1
    assert s["global_step"] == last["global_step"] + EPOCH and s["epochs"] == last["epoch"] + 1
    one = ckpt.load_checkpoint(s["checkpoint"])

    # ... and that 1-process checkpoint with 2 ranks again
    rc, out, _ = torchrun(
        tmp_path,
        "--run-dir",
        str(run_dir),
        "--resume",
        "--total-steps",
        str(one["global_step"] + 2 * 2 * EPOCH),
        env={"LEARN_DIST_DEBUG_DIR": str(tmp_path / "debug2")},
    )
    assert rc == 0, out[-4000:]
    rec = records(tmp_path / "debug2")
    assert [r["global_step"] for r in rec[0]] == [
        one["global_step"] + 2 * EPOCH,
        one["global_step"] + 4 * EPOCH,
    ]
    assert [r["checksum"] for r in rec[0]] == [r["checksum"] for r in rec[1]]
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "finished" and status["start_step"] == one["global_step"]
    segments = [(x["segment"], x["epoch"]) for x in metrics_lines(run_dir)]
    assert segments[-3:] == [(1, one["epoch"]), (2, one["epoch"] + 1), (2, one["epoch"] + 2)]


def test_sigterm_inside_a_duckdb_query_is_reported_as_the_signal():
    # torchrun's SIGTERM can land while rank 0 writes stats: DuckDB then raises its own
    # "Query interrupted", and status.json must still say another rank failed
    import signal
    import threading

    ctx = DistContext(enabled=True, rank=0, world_size=2)
    guard = SigtermGuard(ctx)
    con = duckdb.connect()
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        with pytest.raises(BaseException) as info:
            con.execute("select count(*) from range(100000000000) a, range(10) b").fetchall()
    finally:
        timer.join()
        guard.restore()
        # the interrupted query's worker threads must not go on: left open, they kept both cores
        # busy and made the next torch test in the same process take 7 minutes instead of 0.3 s
        con.interrupt()
        con.close()
    assert "Query interrupted" in str(info.value)
    assert "another rank failed" in explain(ctx, info.value)
    assert explain(ctx, RuntimeError("Query interrupted")) == "RuntimeError: Query interrupted"


@pytest.mark.slow
def test_hung_rank_times_out(tmp_path):
    """A rank that hangs (alive, silent): the others' collectives time out after --dist-timeout."""
    run_dir = tmp_path / "run"
    hang = {"LEARN_DIST_FAIL_RANK": "1", "LEARN_DIST_FAIL_EPOCH": "1", "LEARN_DIST_FAIL_MODE": "hang"}
    rc, out, secs = torchrun(
        tmp_path,
        "--run-dir",
        str(run_dir),
        "--total-steps",
        str(100 * 2 * EPOCH),
        "--checkpoint-interval",
        "1",
        "--dist-timeout",
        "5",
        env=hang,
    )
    assert rc != 0, (rc, secs, out[-3000:])
    assert "Timed out" in out or "timed out" in out, out[-3000:]
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "failed" and "timed out" in status["error"], status


@pytest.mark.slow
def test_lstm_and_kl_early_stop_stay_identical(tmp_path):
    """The recurrent update (forward_sequence through DDP) and the target_kl early stop (agreed
    over ranks, or the ranks would take different numbers of steps and deadlock)."""
    debug = tmp_path / "debug"
    rc, out, _ = torchrun(
        tmp_path,
        "--run-dir",
        str(tmp_path / "run"),
        "--policy",
        "lstm",
        "--target-kl",
        "0.0001",
        "--update-epochs",
        "3",
        "--total-steps",
        str(3 * 2 * EPOCH),
        env={"LEARN_DIST_DEBUG_DIR": str(debug)},
    )
    assert rc == 0, out[-4000:]
    rec = records(debug)
    assert len(rec[0]) == len(rec[1]) == 3
    assert [r["checksum"] for r in rec[0]] == [r["checksum"] for r in rec[1]]
    assert len({r["checksum"] for r in rec[0]}) == 3
