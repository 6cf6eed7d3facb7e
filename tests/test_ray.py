"""`learn study --ray` and `learn sweep --ray`: the same numbers as `--jobs 1`, resume after an
interruption, a killed worker retried, the path for workers without the driver's filesystem,
a failing run reported while the others finish, a sweep's trials as Ray tasks; and the pieces
that need no cluster (runs packed and unpacked, [resources] refused naming the field).

Every test that runs Ray starts its own local instance (`--ray local`: as many CPUs as this
machine has) and the runner stops it, also when the test fails (the fixture below checks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learn.__main__ import main
from learn.studies.study import SMOKE_EVAL, StudyRunner
from tests.test_study import _metric_rows, _study_rows, _tiny_study

ROOT = Path(__file__).resolve().parent.parent
HAMILTON = ROOT / "studies" / "hamilton.toml"


@pytest.fixture(autouse=True)
def no_ray_left():
    """Each test leaves no Ray connection behind (the runner shuts down what it started)."""
    yield
    import ray

    if ray.is_initialized():
        ray.shutdown()
        pytest.fail("a Ray instance was left running")


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory):
    """The tiny study (2 arms x 2 seeds + random) trained one run after another, in this process:
    (its study file, its study directory)."""
    d = tmp_path_factory.mktemp("reference")
    spec = _tiny_study(d / "tiny.toml")
    StudyRunner(spec, d / "one", progress=None).run(report=False)
    return spec, d / "one"


def _finished(out: Path) -> dict[str, dict]:
    return {
        f"{p.parent.parent.name}/{p.parent.name}": json.loads(p.read_text())
        for p in sorted((out / "runs").glob("*/seed-*/status.json"))
    }


def _cli(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "learn", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


# ---- studies on Ray ----------------------------------------------------------------------------
@pytest.mark.slow
def test_hamilton_smoke_on_ray_equals_jobs_1(tmp_path, capsys, shipped_smoke):
    """The shipped Hamilton study at the smoke budget: on Ray, every evaluated episode's metric
    columns, and the report's summary, are those of --jobs 1 (same seeds, same numbers)."""
    one, on_ray = shipped_smoke("hamilton"), tmp_path / "ray"
    capsys.readouterr()
    assert main(["study", str(HAMILTON), "--smoke", "--out", str(on_ray), "--ray", "local"]) == 0
    text = capsys.readouterr().out
    assert "on Ray (local)" in text and "[1/20] arm cb0.3, seed-0" in text and "ETA" in text
    rows = _metric_rows(one)
    # 20 policies x 10 grid values x the smoke's episodes
    assert rows == _metric_rows(on_ray) and len(rows) == 20 * 10 * SMOKE_EVAL["episodes"]
    assert any(r["given"] for r in rows if r["kind"] == "trained")  # so the equality says something
    assert json.loads((one / "summary.json").read_text()) == json.loads((on_ray / "summary.json").read_text())
    status = _finished(on_ray)
    assert len(status) == 10 and all(s["state"] == "finished" for s in status.values())
    assert status["cb0.3/seed-0"]["tags"] == {"study": "hamilton", "arm": "cb0.3", "seed": "0"}
    assert not (on_ray / ".ray-probe").exists()


@pytest.mark.slow
def test_ray_copy_path_gives_the_same_study(tiny_reference, tmp_path, capsys):
    """Workers that do not see the study directory (forced with --ray-copy) train in a temporary
    directory and send each run back whole: the same numbers, and run directories that name
    the study's paths, as if trained in place."""
    spec, one = tiny_reference
    out = tmp_path / "copy"
    StudyRunner(spec, out, progress=print).run(report=False, ray="local", ray_copy=True)
    text = capsys.readouterr().out
    assert text.count(", sent back") == 4
    assert _metric_rows(out) == _metric_rows(one)
    run = out / "runs" / "rich" / "seed-1"
    assert sorted(p.name for p in run.iterdir()) == sorted(
        p.name for p in (one / "runs" / "rich" / "seed-1").iterdir() if p.name != "lock"
    )
    config, level = (run / "config.toml").read_text(), (out / "levels" / "rich.toml").resolve()
    assert f'run_dir = "{run.resolve()}"' in config and f'level = "{level}"' in config
    assert json.loads((run / "levels" / "sources.json").read_text()) == {str(level): "rich.toml"}
    kept = one / "runs" / "rich" / "seed-1" / "levels" / "rich.toml"
    assert (run / "levels" / "rich.toml").read_text() == kept.read_text()  # the same level, written out whole
    assert (
        not list(out.rglob(".*.new")) and not list(out.rglob(".*.old")) and not (out / ".ray-probe").exists()
    )


@pytest.mark.slow
def test_an_interrupted_ray_study_resumes_without_retraining(tmp_path):
    """SIGTERM to a study on Ray once a run has finished: its tasks are cancelled (each writes a
    checkpoint) and Ray is stopped; the same command trains only what was left, from where it
    stopped, and evaluates every job once."""
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=4096, checkpoint_interval=2)
    out = tmp_path / "out"
    cmd = ["study", spec, "--out", out, "--ray", "local"]
    proc = _cli(cmd, tmp_path)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if (
                any(s["state"] == "finished" for s in _finished(out).values())
                if (out / "runs").is_dir()
                else False
            ):
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        proc.send_signal(signal.SIGTERM)
        log = proc.communicate(timeout=300)[0]
    finally:
        proc.kill()
    assert proc.returncode == 143, log[-3000:]
    done = {k for k, s in _finished(out).items() if s["state"] == "finished"}
    assert done and len(done) < 4, log[-3000:]
    # stopped mid-way with a checkpoint written: continued from it (a run stopped before its
    # first epoch has none, and starts again)
    partial = {
        k
        for k, s in _finished(out).items()
        if s["state"] != "finished" and list((out / "runs" / k / "checkpoints").glob("*.pt"))
    }
    mtimes = {
        k: {p.name: p.stat().st_mtime_ns for p in (out / "runs" / k / "checkpoints").glob("*.pt")}
        for k in done
    }

    lines: list[str] = []
    StudyRunner(spec, out, progress=lines.append).run(report=False, ray="local")
    log2 = "\n".join(lines)
    for k in done:  # finished: evaluated, not trained again
        assert f"training {k}:" not in log2
        assert {
            p.name: p.stat().st_mtime_ns for p in (out / "runs" / k / "checkpoints").glob("*.pt")
        } == mtimes[k]
    for k in partial:
        assert f"training {k}: 4,096 agent-steps (resumed)" in log2
    runs, eps = _study_rows(out)
    assert len(runs) == len({(a, s, k) for a, s, k, _ in runs}) == 2 * 2 + 2
    assert all(eps[run_id] == 2 for *_, run_id in runs)
    assert all(s["state"] == "finished" and s["global_step"] >= 4096 for s in _finished(out).values())


@pytest.mark.slow
def test_a_task_whose_worker_is_killed_is_retried(tiny_reference, tmp_path, monkeypatch):
    """The first task kills its own worker process (SIGKILL, as the out-of-memory killer would):
    Ray runs it again, and the study completes with the numbers of --jobs 1."""
    spec, one = tiny_reference
    marker = tmp_path / "killed-once"
    monkeypatch.setenv("LEARN_RAY_KILL_ONCE", str(marker))
    out = tmp_path / "out"
    StudyRunner(spec, out, progress=None).run(report=False, ray="local")
    assert marker.exists()  # a worker did die
    assert _metric_rows(out) == _metric_rows(one)
    assert not list((out / "runs").glob("*/*.stale-*"))  # it died before its run began


@pytest.mark.slow
def test_a_run_failing_on_ray_is_named_and_the_others_finish(tmp_path, capsys):
    """A run that fails for its own reason (its checkpoint is damaged) is not retried: the others
    are trained and evaluated, then the study exits 2 naming the failed run and its error."""
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=1024)
    out = tmp_path / "out"
    bad = out / "runs" / "plain" / "seed-1" / "checkpoints"
    bad.mkdir(parents=True)
    (bad / "ckpt_000000000512.pt").write_bytes(b"not a checkpoint")  # its resume fails
    assert main(["study", str(spec), "--out", str(out), "--ray", "local"]) == 2
    err = capsys.readouterr().err
    assert "1 of 6 jobs failed" in err and "plain/seed-1: CheckpointError" in err and err.count("\n") == 1, (
        err
    )
    runs, _ = _study_rows(out)
    assert {(a, s, k) for a, s, k, _ in runs} == {
        ("plain", 0, "trained"),
        ("rich", 0, "trained"),
        ("rich", 1, "trained"),
        ("plain", -1, "random"),
        ("rich", -1, "random"),
    }
    assert not (out / "report.md").exists()


# ---- sweeps on Ray ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("copy", [False, True], ids=["shared", "copy"])
def test_sweep_on_ray(tmp_path, copy):
    """A sweep's trials as Ray tasks: each trial's curve reaches optuna.db through the driver,
    and its runs, tagged with the trial, land in the sweep directory (sent back with --ray-copy)."""
    from learn.studies.sweep import SweepRunner
    from tests.test_sweep import sweep_file, trials

    f = sweep_file(
        tmp_path,
        budget=2,
        train_level={"max_steps": 32},
        space={
            "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
            "level.resources.ore.reward": {"low": 0.05, "high": 0.2},
        },
        pruner={"kind": "median", "report_every": 2},
    )
    lines: list[str] = []
    out = tmp_path / "out"
    SweepRunner(f, out, progress=lines.append).run(report=False, ray="local", ray_copy=copy)
    assert "on Ray (local), up to " in lines[0], lines
    ts = trials(out)
    assert sorted(t.state.name for t in ts) == ["COMPLETE", "COMPLETE"]
    assert all(t.intermediate_values for t in ts)  # every curve came back to the driver's study
    run = out / "trials" / "0001" / "seed-0"
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "finished" and status["tags"] == {"sweep": "s", "trial": "1", "seed": "0"}
    assert str((out / "trials" / "0001" / "level.toml").resolve()) in (run / "config.toml").read_text()
    assert list((run / "checkpoints").glob("*.pt")) and (run / "tb").is_dir()
    assert sorted(os.listdir(tmp_path)) == ["out", "s.toml"] and not (out / ".ray-probe").exists()


# ---- what needs no cluster ----------------------------------------------------------------------
def test_a_run_packed_and_unpacked_names_the_drivers_paths(tmp_path):
    from learn.studies.run_transfer import pack_run, recover, unpack_run

    here, there = tmp_path / "worker" / "seed-0", tmp_path / "driver" / "runs" / "seed-0"
    (here / "checkpoints").mkdir(parents=True)
    (here / "checkpoints" / "ckpt_1.pt").write_bytes(b"\0weights")
    (here / "config.toml").write_text(f'run_dir = "{here}"\nlevel = "{tmp_path}/worker/levels/a.toml"\n')
    (here / "metrics.jsonl").write_text(f'{{"note": "{here}"}}\n')  # not a file that names paths: kept
    (here / "lock").write_text("123")
    data = pack_run(here, {str(here): str(there), f"{tmp_path}/worker/levels/a.toml": "/study/levels/a.toml"})
    there.mkdir(parents=True)
    (there / "old").write_text("replaced whole")
    unpack_run(data, there)
    assert sorted(p.name for p in there.iterdir()) == ["checkpoints", "config.toml", "metrics.jsonl"]
    assert (there / "config.toml").read_text() == f'run_dir = "{there}"\nlevel = "/study/levels/a.toml"\n'
    assert (there / "checkpoints" / "ckpt_1.pt").read_bytes() == b"\0weights"
    assert str(here) in (there / "metrics.jsonl").read_text()
    # a kill between the swap's two renames: the old run is put back, the half-made one dropped
    there.rename(there.with_name(".seed-0.old"))
    there.with_name(".seed-0.new").mkdir()
    recover(there)
    assert (there / "config.toml").exists() and sorted(p.name for p in there.parent.iterdir()) == ["seed-0"]


@pytest.mark.parametrize(
    "body,expected",
    [
        ("[resources]\ncpus = 0\n", "Expected `float` > 0.0 - at `$.resources.cpus`"),
        ("[resources]\ngpus = -1\n", "Expected `float` >= 0.0 - at `$.resources.gpus`"),
        ("[resources]\nretries = 1.5\n", "Expected `int`, got `float` - at `$.resources.retries`"),
        ("[resources]\ncpu = 1\n", "unknown field `cpu` - at `$.resources`"),
    ],
)
def test_bad_resources_are_refused_naming_the_field(tmp_path, capsys, body, expected):
    spec = _tiny_study(tmp_path / "tiny.toml")
    spec.write_text(spec.read_text().replace("[eval]", body + "[eval]"))
    assert main(["study", str(spec), "--ray", "local", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args,train,expected",
    [
        (["--ray-copy"], "", "--ray-copy: only with --ray ADDRESS"),
        (
            ["--ray", "local"],
            'device = "cpu"\n',
            "$.resources.gpus: 1 GPUs a run, but arm 'plain' trains on device",
        ),
    ],
)
def test_ray_flags_refused_before_anything_starts(tmp_path, capsys, args, train, expected):
    spec = _tiny_study(tmp_path / "tiny.toml")
    spec.write_text(
        spec.read_text()
        .replace("[train]\n", "[train]\n" + train)
        .replace("[eval]", "[resources]\ngpus = 1\n[eval]")
    )
    assert main(["study", str(spec), "--out", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_an_address_without_a_cluster_is_one_line(tmp_path, capsys, monkeypatch):
    """`--ray ADDRESS` where no cluster answers: one line naming the address and what to do,
    before anything is written."""
    import ray

    def refuse(*a, **kw):
        raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(ray, "init", refuse)
    spec = _tiny_study(tmp_path / "tiny.toml")
    assert main(["study", str(spec), "--out", str(tmp_path / "out"), "--ray", "auto"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(
            "error: --ray auto: no Ray cluster answers there (Could not find any running Ray "
            "instance.); start one with `ray start --head`"
        )
        and err.count("\n") == 1
    ), err
    assert not (tmp_path / "out").exists()
