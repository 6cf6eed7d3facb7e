"""A real (tiny) training run under faults: killed and resumed, signalled, damaged checkpoints and
logs, a used or locked run directory, non-finite losses, output without a terminal."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from game.load.level import load_level
from learn.__main__ import main
from learn.rundir import checkpoint as ckpt
from learn.training.config import load_config
from learn.training.train import train
from tests.tiny_training import EPOCH, LEVEL, copy_run, db, tiny

ROOT = Path(__file__).resolve().parent.parent


def test_sigkill_then_resume_keeps_committed_stats(tmp_path):
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
        "--checkpoint-interval",
        "2",
        "--torch-threads",
        "1",
        "--device",
        "cpu",
    ]
    proc = subprocess.Popen(
        args, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(ckpt.list_checkpoints(run_dir)) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.2)
        assert len(ckpt.list_checkpoints(run_dir)) >= 2
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    committed = db(run_dir, "SELECT count(*) FROM metrics")[0][0]
    epochs_before = db(run_dir, "SELECT max(epoch) FROM metrics")[0][0]
    assert committed > 0
    assert not list((run_dir / "checkpoints").glob(".*.tmp")), "a temporary checkpoint was left in place"
    last = ckpt.load_checkpoint(ckpt.list_checkpoints(run_dir)[-1])
    s = train(tiny(run_dir, total_steps=last["global_step"] + EPOCH, resume=True))
    assert s["global_step"] == last["global_step"] + EPOCH
    # nothing committed before the kill is lost; the resumed epochs are a new segment
    assert db(run_dir, "SELECT count(*) FROM metrics WHERE segment = 0")[0][0] == committed
    assert db(run_dir, "SELECT max(epoch) FROM metrics WHERE segment = 0")[0][0] == epochs_before
    assert db(run_dir, "SELECT DISTINCT epoch FROM metrics WHERE segment = 1") == [(last["epoch"] + 1,)]


def test_resume_without_config_toml_goes_on_with_the_checkpoints_config(tiny_run, tmp_path):
    run_dir = copy_run(tiny_run[0], tmp_path / "run")
    (run_dir / "config.toml").unlink()
    # no level, no settings on the command line: all of it must come from the checkpoint
    assert (
        main(["train", "--run-dir", str(run_dir), "--resume", "--total-steps", str(6 * EPOCH), "--quiet"])
        == 0
    )
    saved = load_config(run_dir / "config.toml")
    # the level is the run's own copy of the one it began on (learn/rundir/rundir.py, keep_levels)
    assert Path(saved.level) == (run_dir / "levels" / Path(LEVEL).name).resolve()
    assert load_level(saved.level) == load_level(ROOT / LEVEL)
    assert (saved.horizon, saved.max_steps, saved.num_worlds) == (16, 20, 1)
    assert json.loads((run_dir / "metrics.jsonl").read_text().splitlines()[-1])["step"] == 6 * EPOCH
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert main(["train", "--run-dir", str(empty), "--resume", "--quiet"]) == 2


def test_a_failed_resume_leaves_config_toml_as_it_was(tiny_run, tmp_path, capsys):
    run_dir = copy_run(tiny_run[0], tmp_path / "run")
    before = (run_dir / "config.toml").read_bytes()
    assert main(["train", "--run-dir", str(run_dir), "--resume", "--policy", "lstm", "--quiet"]) == 2
    assert "policy" in capsys.readouterr().err
    assert (run_dir / "config.toml").read_bytes() == before
    # so a plain --resume still works afterwards
    assert (
        main(["train", "--run-dir", str(run_dir), "--resume", "--total-steps", str(6 * EPOCH), "--quiet"])
        == 0
    )


def test_a_new_run_into_a_used_run_directory_is_refused(tiny_run, tmp_path, capsys):
    run_dir = copy_run(tiny_run[0], tmp_path / "run")
    metrics = (run_dir / "metrics.jsonl").read_bytes()
    names = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert main(["train", LEVEL, "--run-dir", str(run_dir), "--num-worlds", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--resume" in err
    assert (run_dir / "metrics.jsonl").read_bytes() == metrics
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == names


def test_a_second_trainer_on_the_same_run_directory_is_refused(tmp_path):
    from learn.training.config import ConfigError
    from learn.training.train import Trainer

    first = Trainer(tiny(tmp_path / "run", total_steps=4 * EPOCH))
    try:
        first.epoch_once()
        first.save()
        with pytest.raises(ConfigError, match=rf"in use by another trainer \(pid {os.getpid()}\)"):
            Trainer(tiny(tmp_path / "run", total_steps=4 * EPOCH, resume=True))
    finally:
        first.close()
    second = Trainer(tiny(tmp_path / "run", total_steps=4 * EPOCH, resume=True))  # free again
    try:
        assert second.global_step == EPOCH
    finally:
        second.close()


def test_a_checkpoint_with_non_finite_weights_is_refused(tiny_run, tmp_path, capsys):
    data = torch.load(ckpt.list_checkpoints(tiny_run[0])[-1], weights_only=True)
    name = next(k for k, v in data["model"].items() if v.is_floating_point() and v.numel() > 1)
    data["model"][name].view(-1)[3] = float("nan")
    bad = tmp_path / "run" / "checkpoints" / "ckpt_000000000001.pt"
    bad.parent.mkdir(parents=True)
    torch.save(data, bad)
    with pytest.raises(ckpt.CheckpointError, match=f"damaged: non-finite values in {name}"):
        ckpt.load_checkpoint(bad)
    assert main(["eval", str(bad), LEVEL]) == 2
    assert "damaged" in capsys.readouterr().err


def test_non_finite_losses_stop_the_run_and_keep_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    import learn.training.train as lt

    real, calls = lt.ppo_update, []

    def diverging(*a, **kw):
        out = real(*a, **kw)
        calls.append(1)
        if len(calls) >= 3:
            out["losses/value"] = float("nan")
        return out

    monkeypatch.setattr(lt, "ppo_update", diverging)
    run_dir = tmp_path / "run"
    argv = [
        "train",
        LEVEL,
        "--run-dir",
        str(run_dir),
        "--num-worlds",
        "1",
        "--horizon",
        "16",
        "--max-steps",
        "20",
        "--minibatches",
        "2",
        "--checkpoint-interval",
        "2",
        "--total-steps",
        str(6 * EPOCH),
        "--quiet",
        "--no-reference",
        "--torch-threads",
        "1",
        "--device",
        "cpu",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "training diverged at epoch 3" in err and "losses/value" in err and "Traceback" not in err
    assert [p.name for p in ckpt.list_checkpoints(run_dir)] == [f"ckpt_{2 * EPOCH:012d}.pt"]
    assert json.loads((run_dir / "status.json").read_text())["state"] == "failed"
    assert [json.loads(x)["epoch"] for x in (run_dir / "metrics.jsonl").read_text().splitlines()] == [1, 2]


def test_progress_without_a_terminal_is_whole_plain_lines(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "learn",
            "train",
            LEVEL,
            "--run-dir",
            str(tmp_path / "run"),
            "--num-worlds",
            "1",
            "--horizon",
            "16",
            "--max-steps",
            "20",
            "--minibatches",
            "2",
            "--total-steps",
            str(3 * EPOCH),
            "--no-reference",
            "--torch-threads",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if x.startswith("train ")]
    assert lines, r.stdout
    assert lines[-1].startswith(f"train {3 * EPOCH:,}/{3 * EPOCH:,} steps") and "ETA 00:00:00" in lines[-1]
    assert all("elapsed" in x and "ETA" in x for x in lines) and "…" not in r.stdout


def test_a_torn_last_metrics_line_does_not_swallow_the_next_segment(tiny_run, tmp_path):
    run_dir = copy_run(tiny_run[0], tmp_path / "run")
    with open(run_dir / "metrics.jsonl", "a") as f:
        f.write('{"segment": 0, "epoch": 6, "st')  # power lost mid-line
    assert (
        main(["train", "--run-dir", str(run_dir), "--resume", "--total-steps", str(6 * EPOCH), "--quiet"])
        == 0
    )
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(x["segment"], x["epoch"]) for x in lines] == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 6)]


def test_sigterm_checkpoints_and_marks_the_run_interrupted(tmp_path):
    run_dir = tmp_path / "termed"
    args = [
        sys.executable,
        "-m",
        "learn",
        "train",
        LEVEL,
        "--run-dir",
        str(run_dir),
        "--quiet",
        "--no-reference",
        "--total-steps",
        str(10**7),
        "--num-worlds",
        "1",
        "--horizon",
        "16",
        "--max-steps",
        "20",
        "--checkpoint-interval",
        "1000",
        "--torch-threads",
        "1",
        "--device",
        "cpu",
    ]
    errfile = tmp_path / "stderr.txt"
    with open(errfile, "w") as errs:  # a file, not a pipe: a full pipe would block the child
        proc = subprocess.Popen(
            args, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=errs
        )
    log = run_dir / "metrics.jsonl"
    try:
        deadline = time.time() + 120
        while time.time() < deadline and (not log.is_file() or len(log.read_text().splitlines()) < 3):
            assert proc.poll() is None, errfile.read_text()
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = errfile.read_text()
    assert rc == 143 and "terminated (a checkpoint was written)" in err and "Traceback" not in err
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "interrupted"
    epochs = [json.loads(x)["epoch"] for x in log.read_text().splitlines()]
    # no checkpoint was due (interval 1000): the one there is the one SIGTERM wrote, at the last epoch
    (only,) = ckpt.list_checkpoints(run_dir)
    data = ckpt.load_checkpoint(only)
    assert epochs == list(range(1, len(epochs) + 1)) and data["epoch"] == epochs[-1]
    assert data["global_step"] == epochs[-1] * EPOCH


def test_a_refused_start_leaves_no_empty_run_directory(tmp_path, monkeypatch, capsys):
    """A fresh run refused while it is built leaves no directory holding only its lock; one the
    user made beforehand is kept."""
    from learn.training.config import ConfigError
    from learn.training.train import Trainer

    def refuse(self, c):
        raise ConfigError("refused while building")

    monkeypatch.setattr(Trainer, "_build_model", refuse)
    made = tmp_path / "new"
    assert (
        main(["train", LEVEL, "--run-dir", str(made), "--total-steps", "64", "--quiet", "--no-reference"])
        == 2
    )
    assert "refused while building" in capsys.readouterr().err
    assert not made.exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    assert (
        main(["train", LEVEL, "--run-dir", str(mine), "--total-steps", "64", "--quiet", "--no-reference"])
        == 2
    )
    assert mine.is_dir()


def test_without_tensorboard_a_run_is_refused_before_its_directory_is_made(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a)
    )
    d = tmp_path / "run"
    assert (
        main(["train", LEVEL, "--run-dir", str(d), "--total-steps", "64", "--quiet", "--no-reference"]) == 2
    )
    assert "--no-tensorboard" in capsys.readouterr().err
    assert not d.exists()


def test_sigterm_during_the_final_evaluation_keeps_the_run_finished(tmp_path):
    """The run says `running` through its final evaluation; a SIGTERM then must not leave it so
    (a finished run taken for a crashed one, or trained again by a study)."""
    d = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "learn",
        "train",
        LEVEL,
        "--run-dir",
        str(d),
        "--total-steps",
        str(2 * EPOCH),
        "--num-worlds",
        "1",
        "--horizon",
        "16",
        "--max-steps",
        "20",
        "--quiet",
        "--no-reference",
        "--no-tensorboard",
        "--final-eval",
        "400",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            try:
                if json.loads((d / "status.json").read_text()).get("phase") == "final evaluation":
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
    finally:
        proc.kill()
    status = json.loads((d / "status.json").read_text())
    assert status["state"] == "finished" and "phase" not in status
