"""Curricula: the learning-progress sampler on fake score streams, the env that switches level
at episode boundaries, the refusals, and a training run that logs per-level scores."""

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from learn.__main__ import main, _parser, resolve_train_config
from learn.training.config import load_config
from learn.training.curriculum import (
    CurriculumEnv,
    CurriculumError,
    Entry,
    FixedWeights,
    LearningProgress,
    parse_curriculum,
)
from learn.training.train import train

TINY = "tests/levels/tiny_harvest.toml"
HARVEST = "game/levels/harvest.toml"


def _feed(s, streams, rounds):
    for t in range(rounds):
        for i, f in enumerate(streams):
            s.update(i, f(t))


def test_learning_progress_favours_the_level_whose_score_moves():
    s = LearningProgress([1, 1, 1], np.random.default_rng(0))
    assert np.allclose(s.probabilities(), 1 / 3)  # nothing scored yet: the weights
    _feed(s, [lambda t: 0.5, lambda t: 0.02 * t, lambda t: 1.0], 60)
    p = s.probabilities()
    assert p[1] > 0.7 and p[0] == pytest.approx(p[2]) and p[0] >= 0.2 / 3 - 1e-12
    assert p.sum() == pytest.approx(1.0)
    # the rising level plateaus: its progress fades and the draw returns to the weights
    _feed(s, [lambda t: 0.5, lambda t: 1.2, lambda t: 1.0], 600)
    assert np.allclose(s.probabilities(), 1 / 3, atol=0.02)
    # a falling score is progress too (forgetting is worth practice)
    _feed(s, [lambda t: 0.5, lambda t: 1.2, lambda t: 1.0 - 0.01 * t], 40)
    assert s.probabilities()[2] > 0.7


def test_weights_scale_the_draw_and_fixed_weights_ignore_scores():
    s = FixedWeights([1, 3], np.random.default_rng(0))
    _feed(s, [lambda t: 0.1 * t, lambda t: 0.0], 50)
    assert np.allclose(s.probabilities(), [0.25, 0.75])
    draws = np.bincount([s.sample() for _ in range(4000)], minlength=2) / 4000
    assert abs(draws[1] - 0.75) < 0.03
    lp = LearningProgress([1, 3], np.random.default_rng(0))
    _feed(lp, [lambda t: 0.02 * t, lambda t: 0.02 * t], 50)  # equal progress: the weights decide
    assert np.allclose(lp.probabilities(), [0.25, 0.75])


def test_parse_curriculum():
    assert parse_curriculum("a.toml:1, b.toml:2.5,c.toml") == [
        Entry("a.toml", 1.0),
        Entry("b.toml", 2.5),
        Entry("c.toml", 1.0),
    ]
    assert parse_curriculum("") == []


def _env(seed=0, entries=((TINY, 1.0), (HARVEST, 1.0)), **kw):
    return CurriculumEnv(
        [Entry(path, w) for path, w in entries], 2, seed=seed, sampler="weights", max_steps=16, **kw
    )


def test_levels_switch_only_at_episode_boundaries_and_keep_the_last_step():
    env = _env(seed=3)
    env.reset()
    rng = np.random.default_rng(0)
    levels, switches = [env.current], 0
    for t in range(16 * 12):
        before = env.current
        _, rew, term, trunc, infos = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), 8)])
        boundary = (t + 1) % 16 == 0
        assert trunc.all() == boundary and not term.any()
        if env.current != before:
            switches += 1
            assert boundary
        if boundary:
            # the finished episode's summary is there, tagged with its level
            assert infos and all(i["level"] == env.level_names[before] for i in infos)
            assert sum(i["episodes"] for i in infos) == 8 // env.envs[before].agents_per_world
        levels.append(env.current)
    assert switches > 0 and set(levels) == {0, 1}


def test_a_level_resumes_its_own_episodes_when_it_comes_back():
    """Switching back to a level goes on with its worlds' next episodes (arena_rooms draws a
    fresh map each episode: a reset there would start its map sequence again from episode 0)."""
    env = CurriculumEnv(
        [Entry(HARVEST), Entry("game/levels/training/arena_rooms.toml")],
        1,
        seed=2,
        sampler="weights",
        max_steps=16,
    )
    env.reset()
    rng = np.random.default_rng(3)
    played = [0, 0]
    for _ in range(16 * 16):
        before = env.current
        _, _, _, trunc, infos = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), 8)])
        if trunc.all():
            played[before] += 1
    assert min(played) >= 2
    for i, env_i in enumerate(env.envs):
        assert int(env_i.episodes.min()) == played[i]  # no episode count started again from 0


def test_the_same_seed_and_actions_give_the_same_run():
    runs = []
    for _ in range(2):
        env = _env(seed=5)
        obs, _ = env.reset()
        rng = np.random.default_rng(1)
        trace = [obs.copy()]
        for _ in range(64):
            obs, rew, *_ = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), 8)])
            trace.append(obs.copy())
            trace.append(rew.copy())
        runs.append((trace, env.current))
    assert runs[0][1] == runs[1][1]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[1][0]))


def test_mismatched_levels_are_refused_by_name(tmp_path):
    small = tmp_path / "small_window.toml"
    small.write_text(Path(TINY).read_text() + "\n[obs]\nwindow = 7\n")
    with pytest.raises(
        CurriculumError, match=r"small_window.toml does not share the spaces.*observation shape"
    ):
        _env(entries=((TINY, 1), (str(small), 1)))
    with pytest.raises(
        CurriculumError, match=r"harvest.toml has 4 agents per world, which does not divide the 6 "
    ):
        CurriculumEnv([Entry(HARVEST), Entry("game/levels/navigation.toml")], 1)  # 6 agents a world
    with pytest.raises(CurriculumError, match="not found"):
        _env(entries=((TINY, 1), ("nope.toml", 1)))
    with pytest.raises(CurriculumError, match="twice"):
        _env(entries=((TINY, 1), (TINY, 2)))


def test_a_curriculum_run_logs_each_level(tmp_path, capsys):
    from learn.training.summary import print_summary

    cfg = load_config(
        overrides=dict(
            level=HARVEST,
            curriculum=[{"level": TINY}, {"level": HARVEST, "weight": 2}],
            num_envs=2,
            num_worlds=2,
            horizon=16,
            max_steps=16,
            total_steps=8 * 16 * 8,
            quiet=True,
            torch_threads=1,
            run_dir=str(tmp_path / "run"),
        )
    )
    s = train(cfg)
    # the summary scores the run on its level: that level's own return meets its baselines
    assert s["scored_level"] == "harvest" and set(s["levels"]) == {"tiny_harvest", "harvest"}
    assert s["levels"]["harvest"]["episode_return"] == s["levels"]["harvest"]["episode_return"]
    print_summary(s)
    out = capsys.readouterr().out
    assert "(all levels)" in out and "on harvest:" in out and "on tiny_harvest" in out
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    keys = set().union(*lines)
    for name in ("tiny_harvest", "harvest"):
        assert {f"level/{name}/episode_return", f"level/{name}/hearts", f"level/{name}/p"} <= keys
    con = duckdb.connect(str(tmp_path / "run" / "stats.duckdb"), read_only=True)
    names = {
        r[0] for r in con.execute("SELECT DISTINCT name FROM metrics WHERE name LIKE 'level/%'").fetchall()
    }
    con.close()
    assert "level/harvest/episode_return" in names and "level/tiny_harvest/p" in names


def test_curriculum_from_the_command_line_and_a_config_file(tmp_path, capsys):
    args = _parser().parse_args(["train", HARVEST, "--curriculum", f"{TINY}:1,{HARVEST}:3"])
    c = resolve_train_config(args)
    assert [(e.level, e.weight) for e in c.curriculum] == [(TINY, 1.0), (HARVEST, 3.0)]
    f = tmp_path / "c.toml"
    f.write_text(f'[[curriculum]]\nlevel = "{TINY}"\nweight = 2\n')
    assert main(["train", "--config", str(f), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "curriculum = [" in out and f'level = "{TINY}", weight = 2.0' in out
    f.write_text('[[curriculum]]\nlevel = "nope.toml"\n')
    assert main(["train", "--config", str(f), "--total-steps", "10", "--run-dir", str(tmp_path / "r")]) == 2
    assert "nope.toml not found" in capsys.readouterr().err


def test_the_default_recipe_builds(tmp_path):
    """recipes/arena.toml (what `make train` runs) resolves: scored on the arena, trained on the
    arena's short-episode variant and the arena itself with the trainer's default policy, the
    teacher's weight still above zero when the run ends, and its levels fit one curriculum env."""
    from learn.training.config import TrainConfig, read_toml
    from learn.training.envs import make_vecenv

    cfg = load_config("recipes/arena.toml", overrides=dict(run_dir=str(tmp_path), num_envs=1))
    assert cfg.level == "game/levels/arena.toml" and cfg.curriculum
    assert [e.level for e in cfg.curriculum] == [
        "game/levels/training/arena_short.toml",
        "game/levels/arena.toml",
    ]
    assert read_toml("recipes/arena.toml")["total_steps"] == cfg.total_steps
    default = TrainConfig(level=cfg.level)
    assert (cfg.policy, cfg.egocentric, cfg.teacher) == (default.policy, default.egocentric, "scripted")
    assert cfg.teacher_steps > cfg.total_steps and cfg.final_eval > 0
    vec = make_vecenv(cfg)
    env = vec.envs[0]
    assert env.num_agents == cfg.num_worlds * 24 and env.level_names == [
        Path(e.level).stem for e in cfg.curriculum
    ]
    vec.close()
