"""The suite runner: suites, batched episodes, the DuckDB rows, the kin split of transfers, the CLI."""

from pathlib import Path

import duckdb
import numpy as np
import pytest

import game
from learn.__main__ import main
from learn.evaluation.baselines import RandomPolicy, ScriptedPolicy
from learn.evaluation.coop import COOP_COLUMNS, EpisodeRecorder, episode_metrics
from learn.evaluation.suites import SUITES, SuiteError, SuiteLevel, get_suite, run_entry, run_suite
from learn.training.config import load_config
from learn.training.train import train

TINY_LEVEL = "tests/levels/tiny_harvest.toml"


def test_suites_defined():
    for name in ("navigation", "maze", "foraging", "cooperation", "competition", "kinship", "harvest", "all"):
        assert get_suite(name)
    names = [e.name for e in SUITES["all"]]
    assert len(names) == len(set(names))
    assert set(names) == {e.name for s, es in SUITES.items() if s != "all" for e in es}
    for e in SUITES["all"]:
        assert Path(e.path()).is_file()
        game.make_env(e.path(), num_worlds=1, seed=e.seed, **e.overrides)  # every entry loads
    with pytest.raises(SuiteError, match="unknown suite 'nope'"):
        get_suite("nope")
    assert (
        game.make_env(get_suite("kinship")[1].path(), **get_suite("kinship")[1].overrides).level.kinship.mode
        == "none"
    )


def test_batched_episodes_and_seeds():
    e = SuiteLevel("harvest", "harvest.toml", 50)
    eps = run_entry(RandomPolicy(0), e, episodes=5, max_steps=12, max_worlds=2)
    assert [x["episode"] for x in eps] == [0, 1, 2, 3, 4]
    assert [x["seed"] for x in eps] == [50, 51, 52, 53, 54]
    assert all(x["steps"] == 12 and x["agents"] == 4 for x in eps)


@pytest.mark.parametrize("make", [RandomPolicy, ScriptedPolicy], ids=["random", "scripted"])
def test_a_level_scores_the_same_in_any_suite(tmp_path, make):
    """The harvest entry's episodes under --suite harvest and under --suite all are the same."""
    alone = run_suite(make(3), "harvest", tmp_path / "a.duckdb", episodes=3, max_steps=40, max_worlds=2)
    within = run_suite(make(3), "all", tmp_path / "b.duckdb", episodes=3, max_steps=40, max_worlds=2)
    assert alone["per_level"]["harvest"] == within["per_level"]["harvest"]
    # and a different seed gives other episodes (the seed still counts)
    other = run_suite(make(4), "harvest", tmp_path / "c.duckdb", episodes=3, max_steps=40, max_worlds=2)
    assert other["per_level"]["harvest"] != alone["per_level"]["harvest"]


def test_run_suite_writes_rows(tmp_path):
    db = tmp_path / "s.duckdb"
    r = run_suite(ScriptedPolicy(0), "all", db, episodes=2, max_steps=16, max_worlds=2)
    assert r["episodes"] == 2 * len(SUITES["all"])
    con = duckdb.connect(str(db), read_only=True)
    (n,) = con.execute("SELECT count(*) FROM suite_episodes").fetchone()
    assert n == 2 * len(SUITES["all"])
    rows = con.execute("SELECT DISTINCT suite, level FROM suite_episodes ORDER BY ALL").fetchall()
    # a run of `all` scores each level under its own suite
    assert ("kinship", "kinship_none") in rows and ("harvest", "harvest") in rows
    run = con.execute(
        "SELECT suite, policy, policy_kind, version, episodes, max_steps FROM suite_runs"
    ).fetchall()
    assert run == [("all", "scripted", "baseline", "2", n, 16)]
    cols = [d[0] for d in con.execute("SELECT * FROM suite_episodes LIMIT 0").description]
    assert cols[-len(COOP_COLUMNS) :] == list(COOP_COLUMNS)
    # group rows: one per group and episode; their hearts add up to the episode's
    bad = con.execute("""SELECT e.level, e.episode FROM suite_episodes e JOIN
        (SELECT run_id, level, episode, sum(hearts) h, sum(agents) a FROM suite_groups GROUP BY ALL) g
        USING (run_id, level, episode)
        WHERE abs(g.h - e.hearts * e.agents) > 1e-6 OR g.a != e.agents""").fetchall()
    assert bad == []
    assert con.execute("SELECT count(DISTINCT name) FROM suite_stats").fetchone()[0] > 5
    con.close()


def test_transfer_kin_split(tmp_path):
    lv = tmp_path / "give.toml"
    lv.write_text('''
name = "give"
max_steps = 6
[groups.red]
[groups.blue]
[kinship]
mode = "teams"
[map]
ascii = """
######
#RrB.#
######
"""
[map.legend]
R = "agent.red"
r = "agent.red"
B = "agent.blue"
''')
    env = game.make_env(str(lv), num_worlds=2, seed=0)
    rec = EpisodeRecorder(env)
    env.reset()
    ore = env.resource_names.index("ore")
    env.world["inventory"].items[:, :3, ore] = 5
    A = env.agents_per_world
    act = {n: i for i, n in enumerate(env.action_names)}
    face_right = np.tile([act["rotate"], 3], (env.num_agents, 1)).astype(np.int32)
    give = np.tile([act["transfer"], ore], (env.num_agents, 1)).astype(np.int32)
    give[2::A] = (act["noop"], 0)  # the blue agent (row 2) keeps its ore
    env.step(face_right)
    for _ in range(env.level.max_steps - 1):
        env.step(give)
    assert len(rec.records) == 2
    for r in rec.records:
        m, groups, _ = episode_metrics(r, env.stat_names, env.resource_names, env.group_names)
        # red 0 gives to red 1 (kin) and red 1 to blue 2 (non-kin), 5 ticks each
        stat = {n: i for i, n in enumerate(env.stat_names)}
        assert r["stats"][:, stat["given.kin"]].tolist() == [5, 0, 0]
        assert r["stats"][:, stat["given.non_kin"]].tolist() == [0, 5, 0]
        assert m["given"] == pytest.approx(10 / 3) and m["given_kin"] == pytest.approx(5 / 3)
        assert m["given_kin"] + m["given_non_kin"] == pytest.approx(m["given"])
        assert {g["group_name"]: g["agents"] for g in groups} == {"red": 2, "blue": 1}


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory):
    run = tmp_path_factory.mktemp("suite") / "run"
    cfg = load_config(
        overrides=dict(
            level=TINY_LEVEL,
            num_worlds=2,
            horizon=16,
            minibatches=1,
            total_steps=64,
            quiet=True,
            torch_threads=1,
            device="cpu",
            run_dir=str(run),
        )
    )
    return Path(train(cfg)["checkpoint"])


def test_cli_suite_eval(tmp_path, tiny_ckpt, capsys):
    out = tmp_path / "base.duckdb"
    assert (
        main(
            [
                "eval",
                "--policy",
                "scripted",
                "--suite",
                "harvest",
                "--episodes",
                "2",
                "--max-steps",
                "32",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "eval",
                "random",
                "--suite",
                "harvest",
                "--episodes",
                "2",
                "--max-steps",
                "32",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert main(["eval", "--policy", "scripted", TINY_LEVEL, "--episodes", "3", "--out", str(out)]) == 0
    # a checkpoint: results go to its run directory by default
    assert main(["eval", str(tiny_ckpt), "--suite", "harvest", "--episodes", "2", "--max-steps", "32"]) == 0
    con = duckdb.connect(str(out), read_only=True)
    got = con.execute(
        "SELECT policy, level, count(*) FROM suite_episodes GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    con.close()
    assert got == [("random", "harvest", 2), ("scripted", "harvest", 2), ("scripted", "tiny_harvest", 3)]
    con = duckdb.connect(str(tiny_ckpt.parent.parent / "stats.duckdb"), read_only=True)
    pol, kind, ck, step = con.execute(
        "SELECT policy, policy_kind, checkpoint, step FROM suite_runs"
    ).fetchone()
    con.close()
    assert kind == "checkpoint" and ck == str(tiny_ckpt) and step == 64 and pol == f"run@{step}"


def test_cli_errors(tmp_path, tiny_ckpt, capsys):
    def err(argv):
        code = main(argv)
        return code, capsys.readouterr().err

    code, msg = err(["eval", "--policy", "scripted", "--suite", "nope"])
    assert code == 2 and "unknown suite 'nope'" in msg and "kinship" in msg
    code, msg = err(["eval", str(tmp_path / "missing.pt"), "--suite", "harvest"])
    assert code == 2 and "does not exist" in msg
    code, msg = err(["eval", "--policy", "greedy", "--suite", "harvest"])
    assert code == 2 and "--policy must be random or scripted" in msg
    code, msg = err(["eval", "--policy", "scripted"])
    assert code == 2 and "LEVEL or --suite" in msg
    # suites and baselines play fixed seeds: a --seed would be ignored, so it is refused
    code, msg = err(["eval", "--policy", "scripted", "game/levels/harvest.toml", "--seed", "100"])
    assert code == 2 and "--seed is for `eval CHECKPOINT LEVEL`" in msg
    code, msg = err(["eval", str(tiny_ckpt), "--suite", "harvest", "--seed", "3"])
    assert code == 2 and "--seed" in msg
    # a checkpoint whose spaces do not fit the level: trained with a 7x7 window
    lv = tmp_path / "small_window.toml"
    lv.write_text('base = "harvest.toml"\n[obs]\nwindow = 7\n')
    cfg = load_config(
        overrides=dict(
            level=str(lv),
            num_worlds=1,
            horizon=8,
            minibatches=1,
            total_steps=32,
            quiet=True,
            torch_threads=1,
            device="cpu",
            run_dir=str(tmp_path / "w7"),
        )
    )
    ck = train(cfg)["checkpoint"]
    code, msg = err(
        ["eval", ck, "--suite", "harvest", "--episodes", "1", "--out", str(tmp_path / "x.duckdb")]
    )
    assert code == 2 and "does not match checkpoint" in msg and "observation shape" in msg
    assert not (tmp_path / "x.duckdb").exists()  # checked before any episode ran


def test_suite_replays_replay_each_scored_episode(tmp_path, capsys):
    """`eval --suite ... --replays`: one replay per level and episode beside the results; each
    verifies and, played again, gives the return its episode has in the tables."""
    from game.tools.replay import load_replay, make_replay_env, verify_replay

    out = tmp_path / "res"
    assert (
        main(
            [
                "eval",
                "--policy",
                "scripted",
                "game/levels/arena.toml",
                "--episodes",
                "3",
                "--max-worlds",
                "2",
                "--max-steps",
                "30",
                "--out",
                str(out),
                "--replays",
            ]
        )
        == 0
    )
    said = capsys.readouterr().out
    con = duckdb.connect(str(out / "stats.duckdb"), read_only=True)
    (run_id,) = con.execute("SELECT run_id FROM suite_runs").fetchone()
    rows = con.execute("SELECT episode, seed, mean_return FROM suite_episodes ORDER BY episode").fetchall()
    con.close()
    folder = out / "replays" / run_id
    assert f"replays in {folder}" in said
    assert sorted(p.name for p in folder.iterdir()) == [f"arena-ep{e:03d}.npz" for e, _, _ in rows]
    for episode, seed, mean_return in rows:  # episodes 0-1 shared a batch env, episode 2 had its own
        rep = load_replay(folder / f"arena-ep{episode:03d}.npz")
        assert rep.seed == seed and rep.ticks == 30 and verify_replay(rep).ok
        env = make_replay_env(rep)
        total = sum(env.step(rep.actions[t])[1].astype(np.float64).sum() for t in range(rep.ticks))
        env.close()
        assert total / rep.actions.shape[1] == pytest.approx(mean_return, rel=1e-5, abs=1e-9)
    assert any(r[2] > 0 for r in rows), "the check above needs an episode that scored"


def test_replays_flag_is_for_suite_evals(tiny_ckpt, capsys):
    assert main(["eval", str(tiny_ckpt), "game/levels/arena.toml", "--replays"]) == 2
    assert "--replays is for suite evals" in capsys.readouterr().err
