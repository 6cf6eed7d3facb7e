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

import game
from learn.__main__ import main
from learn.coop import EpisodeRecorder, episode_metrics, gini, social_metrics

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
    m = social_metrics(returns=np.array([2.0, 0.0, 1.0, 1.0]), tick_sum=np.array([10.0, 0.0, 3.0, 30.0]),
                       tick_count=np.array([2, 0, 1, 3]), frozen_ticks=np.array([0.0, 20.0, 10.0, 0.0]),
                       max_steps=100)
    assert m["utilitarian"] == pytest.approx(1.0)
    # sum |xi - xj| = 2*(2 + 1 + 1 + 1 + 1 + 0) = 12; / (2 * 4 * 4) = 0.375
    assert m["equality"] == pytest.approx(1 - 0.375)
    # agents with rewards: mean ticks 5, 3, 10 (the unrewarded agent is left out)
    assert m["sustainability"] == pytest.approx(6.0)
    assert m["peace"] == pytest.approx(1 - 7.5 / 100)
    assert social_metrics(np.zeros(2), np.zeros(2), np.zeros(2, np.int64), np.zeros(2), 10)["sustainability"] is None


def _scripted_hamilton_episode(r: float):
    """The giver mines at tick 1 and gives at tick 3; the receiver makes a heart at tick 4."""
    env = game.make_env("game/levels/hamilton.toml", num_worlds=1, max_steps=6,
                        kinship={"mode": "matrix", "matrix": [[1.0, r], [r, 1.0]]})
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    rec = EpisodeRecorder(env)
    env.reset()
    plan = [("use", "noop"), ("rotate_right", "noop"), ("transfer_ore", "noop"), ("noop", "use"), ("noop", "noop"),
            ("noop", "noop")]
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
    and the receiver 1 + r * (0.5 - 0.5) = 1; raw rewards: giver +0.5 at tick 1, receiver +0.5 at
    ticks 3 (the gift) and 4 (the heart)."""
    m, total = _scripted_hamilton_episode(r)
    giver, receiver = 0.5 - 0.5 + r * 1.0, 1.0
    assert total == pytest.approx([giver, receiver])
    assert m["utilitarian"] == pytest.approx((giver + receiver) / 2)
    assert m["mean_return"] == pytest.approx(m["utilitarian"])
    g = abs(giver - receiver) * 2 / (2 * 2 * (giver + receiver))
    assert m["equality"] == pytest.approx(1 - g)
    assert m["sustainability"] == pytest.approx((1 + 3.5) / 2)
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
    for t in range(9 * 8):  # the giver faces the mine from the start: use it whenever its cooldown (8) is over
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
        runs = con.execute("SELECT arm, seed, kind, run_id FROM study_runs ORDER BY arm, seed, kind").fetchall()
        eps = dict(con.execute("SELECT run_id, count(*) FROM suite_episodes GROUP BY run_id").fetchall())
    finally:
        con.close()
    return runs, eps


@pytest.mark.slow
@pytest.mark.parametrize("study", STUDIES, ids=[p.stem for p in STUDIES])
def test_shipped_study_smoke(study, tmp_path, capsys):
    """Every shipped study runs end to end at a tiny budget; its report and tables are complete."""
    from learn.study_spec import load_study

    out = tmp_path / "out"
    assert main(["study", str(study), "--smoke", "--out", str(out)]) == 0
    spec, _ = load_study(study)
    runs, eps = _study_rows(out)
    expected = {(a.name, s, "trained") for a in spec.arms for s in spec.seeds[:2]}
    expected |= {(a.name, -1, b) for a in spec.arms for b in spec.eval.baselines}
    assert {(a, s, k) for a, s, k, _ in runs} == expected and len(runs) == len(expected)
    assert all(eps.get(run_id) == 1 for *_, run_id in runs)  # one smoke episode each
    report = (out / "report.md").read_text()
    for a in spec.arms:
        assert f"| {a.name} |" in report or f" {a.name} |" in report
    for m in spec.metrics:
        assert f"**{m.replace('_', ' ')}" in report or m in ("mean_return",), m
    assert "not done" not in report
    assert (out / "report.png").stat().st_size > 1000
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
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
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
    assert len(runs) == len({(a, s, k) for a, s, k, _ in runs}) == 2 * 2 + 2  # 2 arms x 2 seeds + random per arm
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
    from learn.study import StudyRunner
    from learn.study_report import load, summarize

    spec = _tiny_study(tmp_path / "tiny.toml")
    assert main(["study", str(spec), "--out", str(tmp_path / "out")]) == 0
    runner = StudyRunner(spec, tmp_path / "out", progress=None)
    sm = summarize(runner, load(runner))
    con = duckdb.connect(str(tmp_path / "out" / "study.duckdb"), read_only=True)
    per_seed = con.execute("""SELECT r.seed, avg(e.mean_return) FROM study_runs r JOIN suite_episodes e USING (run_id)
                              WHERE r.arm = 'rich' AND r.kind = 'trained' GROUP BY r.seed ORDER BY r.seed""").fetchall()
    con.close()
    m, hw, n = sm["trained"][("rich", "mean_return")]
    assert n == 2 and m == pytest.approx(np.mean([v for _, v in per_seed]))
    sd = np.std([v for _, v in per_seed], ddof=1)
    assert hw == pytest.approx(12.706 * sd / np.sqrt(2))


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


@pytest.mark.parametrize("body, expected", [
    ('name = "x"\nseeds = [0]\n[[arms]]\nname = "a"\n', "$.arms[0].level"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\nbogus = 1\n[[arms]]\nname = "a"\n', "bogus"),
    ('name = "x"\nseeds = []\nlevel = "harvest"\n[[arms]]\nname = "a"\n', "$.seeds"),
    ('name = "x"\nseeds = [0, 0]\nlevel = "harvest"\n[[arms]]\nname = "a"\n', "$.seeds"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\n[[arms]]\nname = "a"\n[[arms]]\nname = "a"\n', "repeated: a"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\n[train]\nseed = 3\n[[arms]]\nname = "a"\n', "$.train: seed"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\nmetrics = ["hapiness"]\n[[arms]]\nname = "a"\n', "hapiness"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\n[train]\nlearning_rate = -1\n[[arms]]\nname = "a"\n',
     "learning_rate"),
    ('name = "x"\nseeds = [0]\nlevel = "no_such_level"\n[[arms]]\nname = "a"\n', "no_such_level"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\nx_label = "r"\n[[arms]]\nname = "a"\n', "needs `x`"),
    ('name = "x"\nseeds = [0\n', "not valid TOML"),
    ('name = "x"\nseeds = [0]\nlevel = "harvest"\n[[arms]]\nname = "a"\noverrides = { max_steps = 0 }\n',
     "$.max_steps"),
])
def test_bad_study_files(tmp_path, capsys, body, expected):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    assert main(["study", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "bad.toml" in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_missing_study_file(tmp_path, capsys):
    assert main(["study", str(tmp_path / "nope.toml")]) == 2
    assert "study file not found" in capsys.readouterr().err


def test_study_runs_table_documented(tmp_path):
    """docs/evaluation.md documents every column of study_runs, in order."""
    import re

    from learn.study import STUDY_SCHEMA

    doc = (ROOT / "docs" / "evaluation.md").read_text()
    m = re.search(r"^### `study_runs`\n(.*?)(?=^#|\Z)", doc, re.S | re.M)
    assert m
    con = duckdb.connect()
    con.execute(STUDY_SCHEMA)
    actual = [d[0] for d in con.execute("SELECT * FROM study_runs LIMIT 0").description]
    assert re.findall(r"^\| `(\w+)` \|", m.group(1), re.M) == actual
