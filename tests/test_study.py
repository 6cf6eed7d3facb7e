"""`python -m learn study`: the social metrics (by hand), study files, resume after a kill, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

import game
from learn.__main__ import main
from learn.evaluation.coop import EpisodeRecorder, episode_metrics, gini, social_metrics
from learn.studies.study import SMOKE_EVAL

ROOT = Path(__file__).resolve().parent.parent
STUDIES = sorted((ROOT / "studies").glob("*.toml"))
TINY_LEVEL = ROOT / "tests" / "levels" / "tiny_harvest.toml"


# ---- the social metrics --------------------------------------------------------------------------
def test_gini_by_hand():
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0
    # [0, 0, 3]: sum |xi - xj| over ordered pairs = 4 * 3 = 12; / (2 * 3 * 3) = 2/3
    assert gini(np.array([0.0, 0.0, 3.0])) == pytest.approx(2 / 3)
    assert gini(np.array([0.0, 0.0])) is None  # no total: equality is undefined, not 1
    assert gini(np.array([-1.0, 0.5])) is None


def test_social_metrics_by_hand():
    m = social_metrics(
        returns=np.array([2.0, 0.0, 1.0, 1.0]),
        tick_sum=np.array([10.0, 0.0, 3.0, 30.0]),
        tick_count=np.array([2, 0, 1, 3]),
        frozen_ticks=np.array([0.0, 20.0, 10.0, 0.0]),
        max_steps=100,
    )
    assert m["utilitarian"] == pytest.approx(1.0)
    # sum |xi - xj| = 2*(2 + 1 + 1 + 1 + 1 + 0) = 12; / (2 * 4 * 4) = 0.375
    assert m["equality"] == pytest.approx(1 - 0.375)
    # agents with rewards: mean ticks 5, 3, 10 (the unrewarded agent is left out)
    assert m["sustainability"] == pytest.approx(6.0)
    assert m["peace"] == pytest.approx(1 - 7.5 / 100)
    assert (
        social_metrics(np.zeros(2), np.zeros(2), np.zeros(2, np.int64), np.zeros(2), 10)["sustainability"]
        is None
    )


def _scripted_hamilton_episode(r: float):
    """The giver mines at tick 1 and gives at tick 3; the receiver tries `use` at tick 4."""
    env = game.make_env(
        "game/levels/hamilton.toml",
        num_worlds=1,
        max_steps=6,
        kinship={"mode": "matrix", "matrix": [[1.0, r], [r, 1.0]]},
    )
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    rec = EpisodeRecorder(env)
    env.reset()
    plan = [
        ("use", "noop"),
        ("rotate_right", "noop"),
        ("transfer_ore", "noop"),
        ("noop", "use"),
        ("noop", "noop"),
        ("noop", "noop"),
    ]
    total = np.zeros(2)
    for g, rcv in plan:
        _, rew, *_ = env.step(np.stack([fa[names.index(g)], fa[names.index(rcv)]]).astype(np.int32))
        total += rew
    assert len(rec.records) == 1
    metrics, _, _ = episode_metrics(rec.records[0], env.stat_names, env.resource_names, env.group_names)
    env.close()
    return metrics, total


@pytest.mark.parametrize("r", [0.0, 0.5, 1.0])
def test_social_metrics_of_a_scripted_episode(r):
    """Hamilton's level played by hand: c = 0.5, b = 1, so the giver nets 0.5 (mined) - 0.5 + r * 1
    and the receiver 1 + r * (0.5 - 0.5) = 1; raw rewards: giver +0.5 at tick 1, receiver +1 at
    tick 3 (the gift, worth b at once; its `use` at tick 4 does nothing: it cannot act)."""
    m, total = _scripted_hamilton_episode(r)
    giver, receiver = 0.5 - 0.5 + r * 1.0, 1.0
    assert total == pytest.approx([giver, receiver])
    assert m["utilitarian"] == pytest.approx((giver + receiver) / 2)
    assert m["mean_return"] == pytest.approx(m["utilitarian"])
    g = abs(giver - receiver) * 2 / (2 * 2 * (giver + receiver))
    assert m["equality"] == pytest.approx(1 - g)
    assert m["sustainability"] == pytest.approx((1 + 3) / 2)
    assert m["peace"] == 1.0
    assert m["given"] == pytest.approx(0.5)  # one unit over two agents
    assert m["ore_gained"] == pytest.approx(0.5)


def test_hamilton_cost_is_the_same_for_every_unit():
    """c must not fall as the giver's stock grows (a capped ore reward would make later units free
    to give): mining 8 ore pays 8 * 0.5, with K = I."""
    env = game.make_env("game/levels/hamilton.toml", num_worlds=1, kinship={"mode": "none"})
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    env.reset()
    total = 0.0
    for t in range(
        9 * 8
    ):  # the giver faces the mine from the start: use it whenever its cooldown (8) is over
        g = "use" if t % 9 == 0 else "noop"
        _, rew, *_ = env.step(np.stack([fa[names.index(g)], fa[names.index("noop")]]).astype(np.int32))
        total += float(rew[0])
    assert int(env.world["inventory"].items[0, 0, env.resource_names.index("ore")]) == 8
    assert total == pytest.approx(8 * 0.5)
    env.close()


def test_peace_counts_frozen_ticks(tmp_path):
    """One scripted hit freezes the other agent for freeze_duration (10) of T = 20 ticks: frozen
    agent-ticks 10 of 2 * 20, so peace = 1 - 10 / 40 = 0.75."""
    lv = tmp_path / "duel.toml"
    lv.write_text('name = "duel"\nmax_steps = 20\n[map]\nascii = """\n####\n#AA#\n####\n"""\n')
    env = game.make_env(str(lv), num_worlds=1)
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    rec = EpisodeRecorder(env)
    env.reset()
    for t in range(20):
        first = {0: "rotate_right", 1: "attack_1"}.get(t, "noop")  # face the other agent, hit it once
        env.step(np.stack([fa[names.index(first)], fa[names.index("noop")]]).astype(np.int32))
    m, _, _ = episode_metrics(rec.records[0], env.stat_names, env.resource_names, env.group_names)
    env.close()
    assert m["freezes"] == pytest.approx(0.5) and m["frozen_ticks"] == pytest.approx(5.0)
    assert m["peace"] == pytest.approx(0.75)


# ---- study files -------------------------------------------------------------------------------
def _tiny_study(path: Path, total_steps: int = 2048, seeds=(0, 1), checkpoint_interval: int = 8) -> Path:
    path.write_text(f"""
name = "tiny"
question = "Does a richer ore pay off?"
seeds = {list(seeds)}
level = "{TINY_LEVEL}"
[train]
total_steps = {total_steps}
num_worlds = 4
horizon = 16
minibatch_size = 64
checkpoint_interval = {checkpoint_interval}
[eval]
episodes = 2
baselines = ["random"]
[[arms]]
name = "plain"
[[arms]]
name = "rich"
overrides = {{ resources = {{ ore = {{ reward = 0.2 }} }} }}
""")
    return path


def _study_rows(out: Path):
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    try:
        runs = con.execute(
            "SELECT arm, seed, kind, run_id FROM study_runs ORDER BY arm, seed, kind"
        ).fetchall()
        eps = dict(con.execute("SELECT run_id, count(*) FROM suite_episodes GROUP BY run_id").fetchall())
    finally:
        con.close()
    return runs, eps


@pytest.mark.slow
@pytest.mark.parametrize("study", STUDIES, ids=[p.stem for p in STUDIES])
def test_shipped_study_smoke(study, shipped_smoke):
    """Every shipped study runs end to end at a tiny budget; its report and tables are complete."""
    from learn.studies.study_spec import load_study

    out = shipped_smoke(study.stem)
    spec, _ = load_study(study)
    runs, eps = _study_rows(out)
    expected = {(a.name, s, "trained") for a in spec.arms for s in spec.seeds[:2]}
    expected |= {(a.name, -1, b) for a in spec.arms for b in spec.eval.baselines}
    assert {(a, s, k) for a, s, k, _ in runs} == expected and len(runs) == len(expected)
    per_run = SMOKE_EVAL["episodes"] * (
        len(spec.eval.relatedness) or 1
    )  # the smoke episodes, at every grid value
    assert all(eps.get(run_id) == per_run for *_, run_id in runs)
    report = (out / "report.md").read_text()
    summary = json.loads((out / "summary.json").read_text())
    for a in spec.arms:
        assert f"| {a.name} |" in report or f" {a.name} |" in report
        assert set(summary["metrics"][a.name]) == set(spec.metrics)
    assert "not done" not in report
    assert (out / "report.png").stat().st_size > 1000 and (out / "report.svg").stat().st_size > 1000
    if spec.eval.relatedness:  # the dose-response and the control's check, whatever the budget
        assert (out / "dose_response.png").stat().st_size > 1000
        for a in spec.arms:
            arm = summary["arms"][a.name]
            assert set(arm["rate"]) == {f"{r:g}" for r in spec.eval.relatedness}
            if "control" in spec.eval.baselines:
                assert arm["control_ok"], (a.name, arm["baselines"]["control"])
                assert abs(arm["baselines"]["control"]["fit"]["threshold"] - arm["predicted"]) <= 0.05
    for a in spec.arms:  # every run's level is in the study directory
        assert (out / "levels" / f"{a.name}.toml").is_file()


@pytest.mark.slow
def test_study_kill_and_resume(tmp_path):
    """SIGKILL mid-study, then the same command: finished runs are not retrained, the killed one
    continues from its checkpoint, and every job ends evaluated exactly once."""
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=4096, checkpoint_interval=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "learn", "study", str(spec), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    second = out / "runs" / "plain" / "seed-1" / "checkpoints"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if second.is_dir() and any(second.glob("*.pt")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = out / "runs" / "plain" / "seed-0"
    assert json.loads((first / "status.json").read_text())["state"] == "finished"
    first_ckpts = {p.name: p.stat().st_mtime_ns for p in (first / "checkpoints").glob("*.pt")}

    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "training plain/seed-0" not in done.stdout  # finished: not retrained
    assert "training plain/seed-1" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (first / "checkpoints").glob("*.pt")} == first_ckpts
    runs, eps = _study_rows(out)
    assert (
        len(runs) == len({(a, s, k) for a, s, k, _ in runs}) == 2 * 2 + 2
    )  # 2 arms x 2 seeds + random per arm
    assert all(eps[run_id] == 2 for *_, run_id in runs)
    status = json.loads((out / "runs" / "plain" / "seed-1" / "status.json").read_text())
    assert status["state"] == "finished" and status["global_step"] >= 4096
    report = (out / "report.md").read_text()
    assert "not done" not in report and "4 of 4 runs done" in report

    again = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "training" not in again.stdout  # nothing left to do
    assert "6 jobs (6 done)" in again.stdout


@pytest.mark.slow
def test_study_writes_only_under_out(tmp_path, monkeypatch):
    spec = _tiny_study(tmp_path / "tiny.toml", seeds=(0,))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["study", str(spec)]) == 0
    assert sorted(p.name for p in work.iterdir()) == ["runs"]
    assert sorted(p.name for p in (work / "runs").iterdir()) == ["study-tiny"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "tiny.toml"]


@pytest.mark.slow
def test_study_report_numbers(tmp_path):
    """The report's trained figure is the mean over seeds of each seed's episode mean."""
    from learn.studies.study import StudyRunner
    from learn.studies.study_report import load, summarize

    spec = _tiny_study(tmp_path / "tiny.toml")
    assert main(["study", str(spec), "--out", str(tmp_path / "out")]) == 0
    runner = StudyRunner(spec, tmp_path / "out", progress=None)
    sm = summarize(runner, load(runner))
    con = duckdb.connect(str(tmp_path / "out" / "study.duckdb"), read_only=True)
    per_seed = con.execute("""SELECT r.seed, avg(e.mean_return)
                              FROM study_runs r JOIN suite_episodes e USING (run_id)
                              WHERE r.arm = 'rich' AND r.kind = 'trained'
                              GROUP BY r.seed ORDER BY r.seed""").fetchall()
    con.close()
    iv = sm["metrics"]["rich"]["mean_return"]
    values = [v for _, v in per_seed]
    assert iv["n"] == 2 and iv["mean"] == pytest.approx(np.mean(values))
    lo, hi = stats.t.interval(0.95, 1, loc=np.mean(values), scale=stats.sem(values))
    assert (iv["low"], iv["high"]) == (pytest.approx(lo), pytest.approx(hi))
    # the arms differ only in the ore's reward: no kinship arithmetic, so nothing is marked
    assert sm["identities"] == [] and any(b["metric"] == "mean_return" for b in sm["between"])
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["metrics"]["rich"]["mean_return"] == iv


def test_study_dry_run(tmp_path, capsys):
    spec = _tiny_study(tmp_path / "tiny.toml")
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "2 arms x 2 seeds" in text and "plain/seed-1: to do" in text and "rich/random: to do" in text
    assert "estimate: 6 of 6 jobs left" in text and "agent-steps/s measured now" in text
    assert not out.exists()  # a dry run writes nothing


@pytest.mark.slow
def test_changed_study_is_refused(tmp_path, capsys):
    spec = _tiny_study(tmp_path / "tiny.toml", seeds=(0,))
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out)]) == 0
    _tiny_study(spec, seeds=(0, 1))
    capsys.readouterr()
    assert main(["study", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another version of tiny.toml" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "body, expected",
    [
        ('name = "x"\nseeds = [0]\n[[arms]]\nname = "a"\n', "$.arms[0].level"),
        ('name = "x"\nseeds = [0]\nlevel = "harvest"\nbogus = 1\n[[arms]]\nname = "a"\n', "bogus"),
        ('name = "x"\nseeds = []\nlevel = "harvest"\n[[arms]]\nname = "a"\n', "$.seeds"),
        ('name = "x"\nseeds = [0, 0]\nlevel = "harvest"\n[[arms]]\nname = "a"\n', "$.seeds"),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[[arms]]\nname = "a"\n[[arms]]\nname = "a"\n',
            "repeated: a",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[train]\nseed = 3\n[[arms]]\nname = "a"\n',
            "$.train: seed",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\nmetrics = ["hapiness"]\n[[arms]]\nname = "a"\n',
            "hapiness",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[train]\nlearning_rate = -1\n[[arms]]\nname = "a"\n',
            "learning_rate",
        ),
        ('name = "x"\nseeds = [0]\nlevel = "no_such_level"\n[[arms]]\nname = "a"\n', "no_such_level"),
        ('name = "x"\nseeds = [0]\nlevel = "harvest"\nx_label = "r"\n[[arms]]\nname = "a"\n', "needs `x`"),
        ('name = "x"\nseeds = [0\n', "not valid TOML"),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[[arms]]\nname = "a"\n'
            "overrides = { max_steps = 0 }\n",
            "$.max_steps",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[[arms]]\nname = "a"\nx = nan\n',
            "$.arms[0].x: expected a finite",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\nthreshold = inf\n[[arms]]\nname = "a"\n',
            "$.threshold: expected a",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\nmetrics = []\n[[arms]]\nname = "a"\n',
            "$.metrics: give at least",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[eval]\nbaselines = ["random", "random"]\n'
            '[[arms]]\nname = "a"\n',
            "repeated: random",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[train_level]\nobs = { window = 7 }\n'
            '[[arms]]\nname = "a"\n',
            "$.train_level",
        ),
        (
            'name = "x"\nseeds = [0]\nlevel = "harvest"\n[eval]\nmax_steps = 99999999999\n'
            '[[arms]]\nname = "a"\n',
            "max_steps",
        ),
    ],
)
def test_bad_study_files(tmp_path, capsys, body, expected):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    assert main(["study", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "bad.toml" in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_smoke_hides_no_bad_field(tmp_path, capsys):
    f = tmp_path / "bad.toml"
    f.write_text(
        'name = "x"\nseeds = [0]\nlevel = "harvest"\n[train]\ntotal_steps = -5\n[[arms]]\nname = "a"\n'
    )
    assert main(["study", str(f), "--smoke", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "total_steps" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_finished_run_without_its_checkpoints_is_named(tmp_path, capsys):
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=512, seeds=(0,))
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out)]) == 0
    (out / "study.duckdb").unlink()  # as if it had never been evaluated: the run is found finished
    run = out / "runs" / "plain" / "seed-0"
    for p in (run / "checkpoints").glob("*.pt"):
        p.unlink()
    capsys.readouterr()
    assert main(["study", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{run}: finished, but its checkpoints are gone" in err


def test_missing_study_file(tmp_path, capsys):
    assert main(["study", str(tmp_path / "nope.toml")]) == 2
    assert "study file not found" in capsys.readouterr().err


def test_study_runs_table_documented(tmp_path):
    """docs/evaluation.md documents every column of study_runs, in order."""
    import re

    from learn.studies.study import STUDY_SCHEMA

    doc = (ROOT / "docs" / "evaluation.md").read_text()
    m = re.search(r"^### `study_runs`\n(.*?)(?=^#|\Z)", doc, re.S | re.M)
    assert m
    con = duckdb.connect()
    con.execute(STUDY_SCHEMA)
    actual = [d[0] for d in con.execute("SELECT * FROM study_runs LIMIT 0").description]
    assert re.findall(r"^\| `(\w+)` \|", m.group(1), re.M) == actual


# ---- --jobs, the dry run's estimate, curricula ------------------------------------------------
def _metric_rows(out: Path):
    """Every evaluated episode's metric columns, by (arm, seed, kind, level, episode): ids, file
    paths (under --out) and times left out."""
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    try:
        cur = con.execute("""SELECT r.arm, r.seed, r.kind, e.* EXCLUDE (run_id, level_file)
                             FROM study_runs r JOIN suite_episodes e USING (run_id)
                             ORDER BY r.arm, r.seed, r.kind, e.level, e.episode""")
        return [dict(zip([d[0] for d in cur.description], row)) for row in cur.fetchall()]
    finally:
        con.close()


@pytest.mark.slow
def test_study_jobs_2_equals_jobs_1(tmp_path, capsys):
    """Two trainings at once (each in its own process, torch threads pinned) give the study the
    same numbers as one after another: every episode's metrics, and every run's final weights."""
    import torch

    from learn.studies.study import SMOKE_TRAIN

    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=SMOKE_TRAIN["total_steps"])
    assert main(["study", str(spec), "--out", str(tmp_path / "one")]) == 0
    assert main(["study", str(spec), "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert "up to 2 trainings at once" in text and "trained rich/seed-1 in" in text
    one, two = _metric_rows(tmp_path / "one"), _metric_rows(tmp_path / "two")
    assert len(one) == (2 * 2 + 2) * 2  # 2 arms x (2 seeds + random) x 2 episodes
    assert one == two
    assert any(
        row["mean_return"] for row in one if row["kind"] == "trained"
    )  # so the equality says something
    for arm in ("plain", "rich"):
        for seed in (0, 1):
            a, b = (
                torch.load(
                    sorted((tmp_path / d / "runs" / arm / f"seed-{seed}" / "checkpoints").glob("*.pt"))[-1],
                    weights_only=False,
                )["model"]
                for d in ("one", "two")
            )
            assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), (arm, seed)
    config = (tmp_path / "two" / "runs" / "rich" / "seed-0" / "config.toml").read_text()
    assert "torch_threads = 1" in config  # pinned, whatever --jobs is


@pytest.mark.slow
def test_study_failed_job_is_named_after_the_others(tmp_path, capsys):
    """A run that fails in its worker does not stop the others: they are trained and evaluated,
    then the study exits 2 naming the failed (arm, seed) and its error."""
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=1024)
    out = tmp_path / "out"
    bad = out / "runs" / "plain" / "seed-1" / "checkpoints"
    bad.mkdir(parents=True)
    (bad / "ckpt_000000000512.pt").write_bytes(b"not a checkpoint")  # its resume fails
    assert main(["study", str(spec), "--out", str(out), "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert "1 of 6 jobs failed" in err and "plain/seed-1: " in err and err.count("\n") == 1, err
    runs, _ = _study_rows(out)
    assert {(a, s, k) for a, s, k, _ in runs} == {
        ("plain", 0, "trained"),
        ("rich", 0, "trained"),
        ("rich", 1, "trained"),
        ("plain", -1, "random"),
        ("rich", -1, "random"),
    }
    assert not (out / "report.md").exists()


# a calibration as `StudyRunner.calibrate` returns it, made up so that the sums come out round
_CALIBRATION = {
    "threads": 1,
    "train_sps": 1024.0,
    "eval_sps": 128.0,
    "run_fixed_s": 3.0,
    "save_s": 0.5,
    "spawn_s": 2.0,
    "eval_fixed_s": 0.25,
}


def test_study_estimate_counts_fixed_costs_and_jobs(tmp_path, monkeypatch):
    """The tiny study: 4 runs of 2048 agent-steps (32 epochs of 16 ticks x 4 worlds x 1 agent, so
    32 / 8 + 1 = 5 checkpoints) and 6 evaluations of 2 episodes x 64 ticks x 1 agent."""
    import learn.studies.workers as workers
    from learn.studies.study import StudyRunner

    monkeypatch.setattr(StudyRunner, "calibrate", lambda self, epochs=2, jobs=1: dict(_CALIBRATION))
    monkeypatch.setattr(workers, "cores", lambda: 2)
    runner = StudyRunner(_tiny_study(tmp_path / "tiny.toml"), tmp_path / "out", progress=None)
    run = 2048 / 1024 + 3.0 + 5 * 0.5  # steps, fixed costs, checkpoints
    evals = 6 * (2 * 64 / 128 + 0.25)
    one = runner.estimate(jobs=1)
    assert one["runs"] == 4 and one["at_once"] == 1
    assert one["train_s"] == pytest.approx(4 * run) and one["eval_s"] == pytest.approx(evals)
    assert one["total_s"] == pytest.approx(4 * run + evals)
    two = runner.estimate(jobs=2)  # each run also starts a process; two at once
    assert two["at_once"] == 2 and two["train_s"] == pytest.approx(4 * (run + 2.0) / 2)
    many = runner.estimate(jobs=8)  # no more at once than there are cores (2, one thread a run)
    assert many["at_once"] == 2 and many["train_s"] == pytest.approx(two["train_s"])
    monkeypatch.setattr(workers, "cores", lambda: 16)
    assert runner.estimate(jobs=8)["at_once"] == 4  # nor than there are runs
    assert not (tmp_path / "out").exists()


def test_study_dry_run_names_the_real_policy(tmp_path, monkeypatch, capsys):
    from learn.studies.study import StudyRunner
    from learn.training.config import TrainConfig

    monkeypatch.setattr(StudyRunner, "calibrate", lambda self, epochs=2, jobs=1: dict(_CALIBRATION))
    spec = _tiny_study(tmp_path / "tiny.toml")
    assert main(["study", str(spec), "--out", str(tmp_path / "out"), "--dry-run", "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert f"policy {TrainConfig().policy}" in text and "policy cnn" not in text
    assert (
        "4 runs at 1,024 agent-steps/s" in text and "3.0 s a run" in text and "to start its process" in text
    )
    spec.write_text(spec.read_text().replace("[train]\n", '[train]\npolicy = "cnn"\n'))
    assert main(["study", str(spec), "--out", str(tmp_path / "out"), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "policy cnn" in text and "to start its process" not in text  # --jobs 1: no worker processes


def _curriculum_study(tmp_path: Path, train: str = "", recipe_curriculum: str | None = None) -> Path:
    """A study whose recipe (in its own folder) trains on a curriculum: a short copy of the tiny
    level beside the recipe, and the tiny level itself; one arm with an override."""
    (tmp_path / "recipes").mkdir(exist_ok=True)
    (tmp_path / "recipes" / "tiny_short.toml").write_text(f'base = "{TINY_LEVEL}"\nmax_steps = 16\n')
    if recipe_curriculum is None:
        recipe_curriculum = f"""
[[curriculum]]
level = "tiny_short.toml"
weight = 3
[[curriculum]]
level = "{TINY_LEVEL}"
"""
    (tmp_path / "recipes" / "recipe.toml").write_text(f"""
total_steps = 1024
num_worlds = 4
horizon = 16
minibatch_size = 64
checkpoint_interval = 8
curriculum_sampler = "weights"
{recipe_curriculum}""")
    spec = tmp_path / "cur.toml"
    spec.write_text(f"""
name = "cur"
seeds = [0]
level = "{TINY_LEVEL}"
config = "recipes/recipe.toml"
[train]
{train}
[eval]
episodes = 2
baselines = []
[[arms]]
name = "rich"
overrides = {{ resources = {{ ore = {{ reward = 0.2 }} }} }}
""")
    return spec


def test_study_trains_on_the_recipes_curriculum(tmp_path):
    """The recipe's curriculum is trained, with the arm's overrides merged onto each of its
    levels (files in the study's levels/); the arm's own level is where the run is evaluated."""
    import tomllib

    from learn.training.config import read_toml

    spec = _curriculum_study(tmp_path)
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out)]) == 0
    levels = out / "levels"
    config = read_toml(out / "runs" / "rich" / "seed-0" / "config.toml")
    assert config["curriculum"] == [
        {"level": str(levels / "rich" / "tiny_short.toml"), "weight": 3.0},
        {"level": str(levels / "rich" / "tiny_harvest.toml"), "weight": 1.0},
    ]
    assert config["level"] == str(levels / "rich.toml")
    short = tomllib.loads((levels / "rich" / "tiny_short.toml").read_text())
    assert short == {
        "base": str(tmp_path / "recipes" / "tiny_short.toml"),
        "resources": {"ore": {"reward": 0.2}},
    }
    env = game.make_env(
        str(levels / "rich" / "tiny_short.toml")
    )  # the merged level builds: 16 ticks, rich ore
    assert env.level.max_steps == 16
    env.close()
    lines = [
        json.loads(x) for x in (out / "runs" / "rich" / "seed-0" / "metrics.jsonl").read_text().splitlines()
    ]
    played = {
        k.split("/")[1] for m in lines for k in m if k.startswith("level/")
    }  # the levels whose episodes ended
    assert played == {"tiny_short", "tiny_harvest"}, played
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    files = {r[0] for r in con.execute("SELECT DISTINCT level_file FROM suite_episodes").fetchall()}
    con.close()
    assert {Path(f).name for f in files} == {
        "rich.toml"
    }  # evaluated on the arm's level, not the curriculum's
    plan = json.loads((out / "plan.json").read_text())
    assert [Path(e["level"]).name for e in plan["arms"]["rich"]["train"]["curriculum"]] == [
        "tiny_short.toml",
        "tiny_harvest.toml",
    ]


@pytest.mark.parametrize(
    "train, recipe, expected",
    [
        (
            "",
            '[[curriculum]]\nlevel = "tiny_short.toml"\n[[curriculum]]\nlevel = "nope.toml"\n',
            "$.config (recipe.toml): $.curriculum[1].level: level file nope.toml not found",
        ),
        ('curriculum = [{ level = "recipes/tiny_short.toml", wieght = 2 }]', "", "$.train.curriculum[0]: "),
        ('curriculum = "recipes/tiny_short.toml"', "", "$.train.curriculum: expected a list"),
        (
            'curriculum = [{ level = "hamilton" }]',
            "",
            "$.train.curriculum[0].level: hamilton.toml does not share the spaces of the arm's level",
        ),
        (
            'curriculum = [{ level = "recipes/tiny_short.toml" }, { level = "tiny_short.toml" }]',
            "",
            "$.train.curriculum[1].level: level file tiny_short.toml not found",
        ),
    ],
)
def test_bad_curriculum_is_refused(tmp_path, capsys, train, recipe, expected):
    spec = _curriculum_study(tmp_path, train=train, recipe_curriculum=recipe)
    assert main(["study", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "cur.toml" in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_curriculum_level_the_overrides_do_not_fit_is_refused(tmp_path, capsys):
    """An arm's overrides that cannot be merged onto a curriculum level (a 1x1 kinship matrix on
    a level of two agents) are refused naming the curriculum entry and the level's field."""
    spec = _curriculum_study(tmp_path)
    spec.write_text(
        spec.read_text().replace(
            "overrides = { resources = { ore = { reward = 0.2 } } }",
            'overrides = { kinship = { mode = "matrix", matrix = [[1.0]] } }\n'
            'train = { curriculum = [{ level = "recipes/tiny_short.toml" }, { level = "hamilton" }] }',
        )
    )
    assert main(["study", str(spec), "--out", str(tmp_path / "out"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "$.arms[0].train.curriculum[1].level: hamilton.toml" in err and "$.kinship.matrix" in err, err


def _hamilton_grid_study(path: Path, seeds=(0,)) -> Path:
    path.write_text(f"""
name = "grid"
seeds = {list(seeds)}
level = "hamilton"
metrics = ["given", "hearts", "mean_return", "equality"]
act = "give"
actors = ["giver"]
threshold = 0.5
[train]
total_steps = 1024
num_worlds = 4
horizon = 16
minibatch_size = 64
[eval]
episodes = 1
max_steps = 60
baselines = ["control"]
relatedness = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
[[arms]]
name = "drawn"
overrides = {{ kinship = {{ mode = "random", draw = "episode", low = 0.0, high = 1.0 }} }}
""")
    return path


def test_a_grid_study_with_one_seed_checks_its_control_and_compares_nothing(tmp_path):
    """The scripted control goes through the same evaluation, fit and report: its threshold comes
    out at c/b = 0.5 (a step between 0.45 and 0.55); with one seed nothing is tested."""
    spec = _hamilton_grid_study(tmp_path / "grid.toml")
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out)]) == 0
    sm = json.loads((out / "summary.json").read_text())
    arm = sm["arms"]["drawn"]
    ctl = arm["baselines"]["control"]
    assert (
        ctl["fit"]["kind"] == "step" and ctl["fit"]["threshold"] == pytest.approx(0.5) and arm["control_ok"]
    )
    assert all(ctl["rate"][k] == 0 for k in ("0.05", "0.15", "0.25", "0.35", "0.45"))
    assert all(ctl["rate"][k] > 0 for k in ("0.55", "0.65", "0.75", "0.85", "0.95"))
    assert arm["contrast"]["p"] is None and arm["contrast"]["low"] is None and arm["follows"] is None
    assert arm["r_star"]["low"] is None
    assert all(c["p"] is None for c in sm["within"] + sm["between"])
    assert set(sm["identities"]) == {"mean_return", "equality"}
    report = (out / "report.md").read_text()
    assert "nothing is compared" in report and "nothing compared" in report and "0.5 ✓" in report
    assert "intervals apart" not in report and "follow the rule**" not in report
    con = duckdb.connect(str(out / "study.duckdb"), read_only=True)
    try:  # every episode's pairs were played at the grid value its entry names
        rows = con.execute(
            "SELECT level, min(relatedness), max(relatedness), count(*) FROM suite_pairs GROUP BY level"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 10
    for level, lo, hi, n in rows:
        r = float(level.removeprefix("r="))
        assert (
            lo == pytest.approx(r, abs=1e-6) and hi == pytest.approx(r, abs=1e-6) and n == 2 * 2
        )  # 2 runs x 2 pairs
    assert (out / "dose_response.png").stat().st_size > 1000 and (out / "dose_response.svg").is_file()


@pytest.mark.parametrize(
    "body, expected",
    [
        ('act = "give"\nthreshold = 0.5\n[eval]\nrelatedness = [0.1, 0.2]', "at least 3 distinct values"),
        ("threshold = 0.5\n[eval]\nrelatedness = [0.1, 0.2, 0.6]", "$.act"),
        (
            'act = "give"\nthreshold = 0.9\n[eval]\nrelatedness = [0.1, 0.2, 0.6]',
            "outside the relatedness grid",
        ),
        ('act = "give"\n[eval]\nbaselines = ["control"]', "needs a threshold"),
        ('[eval]\nbaselines = ["control"]', "$.act"),
    ],
)
def test_bad_grid_and_control_fields_are_refused(tmp_path, capsys, body, expected):
    spec = tmp_path / "s.toml"
    head, _, tail = body.partition("[eval]")
    spec.write_text(
        f'name = "s"\nseeds = [0]\nlevel = "hamilton"\n{head}\n[[arms]]\nname = "a"\n'
        + (f"[eval]{tail}\n" if tail else "")
    )
    assert main(["study", str(spec), "--dry-run"]) == 2
    assert expected in capsys.readouterr().err


def test_an_unknown_actor_group_is_refused_before_training(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "s"\nseeds = [0]\nlevel = "hamilton"\nact = "give"\nactors = ["givr"]\n[[arms]]\nname = "a"\n'
    )
    assert main(["study", str(spec), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "$.actors" in err and "'givr'" in err and "giver, receiver" in err


@pytest.mark.slow
def test_a_study_started_twice_on_one_out_trains_each_run_once(tmp_path, capsys):
    """A second `learn study` on a live study directory is refused in one line; the first trains
    every run once (it used to take the first's live runs for killed ones and train them again)."""
    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=2048)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "learn", "study", str(spec), "--out", str(out)]
    first = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and first.poll() is None and not (out / "runs").is_dir():
            time.sleep(0.05)
        assert first.poll() is None
        assert main(["study", str(spec), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "in use by another `learn study`" in err and str(first.pid) in err and err.count("\n") == 1
        log = first.communicate(timeout=600)[0]
    finally:
        first.kill()
        first.wait()
    assert first.returncode == 0, log[-2000:]
    runs, _ = _study_rows(out)
    assert len(runs) == 2 * 2 + 2
    assert not list((out / "runs").glob("*/*.stale-*"))


def test_a_run_whose_trainer_lives_is_never_moved_or_trained_again(tmp_path, capsys):
    """A run directory without a checkpoint is moved aside only when no trainer holds it: one that
    outlived its study (a --jobs worker of a killed study) is named, not trained beside."""
    from learn.rundir.rundir import RunLock

    spec = _tiny_study(tmp_path / "tiny.toml")
    out = tmp_path / "out"
    live = out / "runs" / "plain" / "seed-0"
    live.mkdir(parents=True)
    lock = RunLock(live)
    try:
        assert main(["study", str(spec), "--out", str(out)]) == 2
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert f"in use by a trainer (pid {os.getpid()})" in err
    assert live.is_dir() and not list(live.parent.glob("*.stale-*"))
