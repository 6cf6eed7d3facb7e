"""The level library and level loading: every shipped level validates, renders, runs and
round-trips; every kind of bad level gives one clear message (file, TOML path, what was
expected) and makes the CLI exit with status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import numpy as np
import pytest

from game.__main__ import main
from game.env.gridenv import make_env
from game.load.level import LEVELS_DIR, LevelError, dump_level, load_level, parse_level

# the library, and the training levels of the curricula (game/levels/training/)
LEVELS = sorted(str(p.relative_to(LEVELS_DIR).with_suffix("")) for p in LEVELS_DIR.rglob("*.toml"))
REQUIRED = {
    "arena", "arena_combat", "navigation", "maze", "harvest", "cooperation", "competition",
    "kinship_teams", "kinship_random", "kinship_clans", "mate",
}  # fmt: skip


def test_the_library_has_every_required_level():
    assert REQUIRED <= set(LEVELS)


@pytest.mark.parametrize("name", LEVELS)
def test_level_is_documented_at_its_top(name):
    head = (LEVELS_DIR / f"{name}.toml").read_text().splitlines()
    comments = [ln for ln in head[: next(i for i, ln in enumerate(head) if not ln.startswith("#"))]]
    text = " ".join(comments)
    for word in ("Tests:", "Actions:", "Rewards:", "Termination:"):
        assert word in text, f"{name}.toml's header lacks '{word}'"


@pytest.mark.parametrize("name", LEVELS)
def test_level_validates_renders_and_runs_1000_random_steps(name, tmp_path, capsys):
    assert main(["validate", name]) == 0
    png = tmp_path / f"{Path(name).name}.png"
    assert main(["render", name, "-o", str(png), "--tile", "4"]) == 0
    assert png.stat().st_size > 100
    env = make_env(name, num_worlds=1, seed=1)
    env.reset(1)
    rng = np.random.default_rng(0)
    n_act, n_arg = env.single_action_space.nvec
    total = np.zeros(env.num_agents)
    for _ in range(1000):
        a = np.stack([rng.integers(0, n_act, env.num_agents), rng.integers(0, n_arg, env.num_agents)], 1)
        obs, rew, term, trunc, infos = env.step(a.astype(np.int32))
        assert np.isfinite(rew).all()
        total += rew
    assert obs.shape == (env.num_agents, *env.single_observation_space.shape)


# the levels with their own action spaces, each trained on alone by its study: PPO finds the
# turn-and-give sequence among hamilton's 12 flat actions but not among the arena's 30 (its header)
OWN_ACTIONS = {
    "hamilton": ["noop", "rotate", "use", "transfer"],
    "kin_aggression": ["noop", "rotate", "use", "attack"],
}


def test_every_level_shares_the_arenas_spaces():
    ref = make_env("arena", num_worlds=1)
    for name in LEVELS:
        env = make_env(name, num_worlds=1)
        assert env.single_observation_space == ref.single_observation_space, name
        assert env.feature_names == ref.feature_names, name
        if name in OWN_ACTIONS:
            assert env.action_names == OWN_ACTIONS[name], name
        else:
            assert env.single_action_space == ref.single_action_space, name
            assert env.action_names == ref.action_names, name
        assert env.level.obs.window == 11


def test_arena_is_24_agents_in_2x2_rooms_of_25_with_border_6():
    level = load_level("arena")
    p = level.map.params
    assert (level.map.generator, p["rows"], p["cols"], p["room_height"], p["room_width"], p["border"]) == (
        "rooms",
        2,
        2,
        25,
        25,
        6,
    )
    assert p["objects"] == {"mine": 10, "generator": 5, "altar": 5, "charger": 1, "block": 20, "wall": 20}
    env = make_env("arena", num_worlds=2)
    assert env.agents_per_world == 24 and env.layouts[0].height == 68


def test_harvest_is_small_and_short():
    env = make_env("harvest", num_worlds=1)
    assert 4 <= env.agents_per_world <= 8 and 200 <= env.level.max_steps <= 300


@pytest.mark.parametrize("name", LEVELS)
def test_round_trip_through_toml(name, tmp_path):
    level = load_level(name)
    text = dump_level(level)
    assert parse_level(text, "dumped.toml") == level
    f = tmp_path / "dumped.toml"
    f.write_text(text)
    assert load_level(f) == level


def test_round_trip_keeps_values_equal_to_struct_defaults(tmp_path):
    # mine cooldown 0 equals the Struct default but not game/rules/defaults.py's 50: it must survive
    f = tmp_path / "x.toml"
    f.write_text('base = "harvest.toml"\n[buildings.mine]\ncooldown = 0\n')
    level = load_level(f)
    assert level.buildings["mine"].cooldown == 0
    assert parse_level(dump_level(level)) == level


# ---- inheritance ------------------------------------------------------------------------------
def test_base_level_overrides_only_what_differs(tmp_path):
    f = tmp_path / "child.toml"
    f.write_text('base = "arena.toml"\nmax_steps = 77\n[map.params]\nagents_per_room = 2\n')
    level, arena = load_level(f), load_level("arena")
    assert level.max_steps == 77 and level.kinship == arena.kinship and level.groups == arena.groups
    assert (
        level.map.params["agents_per_room"] == 2
        and level.map.params["objects"] == arena.map.params["objects"]
    )


def test_a_new_generator_replaces_the_base_map(tmp_path):
    f = tmp_path / "child.toml"
    f.write_text('base = "arena.toml"\n[map]\ngenerator = "scatter"\nparams = { agents = 8 }\n')
    level = load_level(f)
    assert level.map.params == {"agents": 8}


def test_base_path_relative_to_the_level(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.toml").write_text('base = "arena"\nmax_steps = 5\n')
    (tmp_path / "sub" / "b.toml").write_text('base = "../a.toml"\nname = "b"\n')
    level = load_level(tmp_path / "sub" / "b.toml")
    assert level.max_steps == 5 and level.name == "b"


# ---- bad levels -------------------------------------------------------------------------------
ASCII_OK = 'ascii = """\n#####\n#A..#\n#####\n"""\n'
BAD = {
    "unknown_field": ("[combat]\ndamge = 5\n", "$.combat.damge", "unknown field; expected one of: damage"),
    "wrong_type": ('max_steps = "long"\n', "$.max_steps", "Expected `int`, got `str`"),
    "ragged_map": (
        '[map]\nascii = """\n#####\n#A.#\n#####\n"""\n',
        "$.map.ascii",
        "ragged map: line 2 has 4",
    ),
    "empty_map": ('[map]\nascii = """\n   \n\n"""\n', "$.map.ascii", "the map is empty; expected"),
    "legend": (
        '[map]\nascii = """\n#####\n#AZ.#\n#####\n"""\n',
        "$.map.ascii",
        "character 'Z' is not in the legend; expected one of",
    ),
    "too_many_agents": (
        '[map]\ngenerator = "scatter"\nparams = { height = 5, width = 5, agents = 20 }\n',
        "$.map.params",
        "has room for 9 agents and objects, but 20 agents",
    ),
    "unknown_resource": (
        "[buildings.mine]\noutputs = { gold = 1 }\n[map]\n" + ASCII_OK,
        "$.buildings.mine.outputs.gold",
        "unknown resource 'gold'; expected one of",
    ),
    "kinship_shape": (
        '[kinship]\nmode = "matrix"\nmatrix = [[1.0, 0.0]]\n[map]\n' + ASCII_OK,
        "$.kinship.matrix",
        "expected 1x1 weights",
    ),
    "kinship_range": (
        '[kinship]\nmode = "matrix"\nmatrix = [[1.5]]\n[map]\n' + ASCII_OK,
        "$.kinship.matrix[0][0]",
        "expected a weight in [-1, 1], got 1.5",
    ),
    "even_window": (
        "[obs]\nwindow = 10\n[map]\n" + ASCII_OK,
        "$.obs.window",
        "expected an odd window of at least 1",
    ),
    "zero_window": (
        "[obs]\nwindow = 0\n[map]\n" + ASCII_OK,
        "$.obs.window",
        "expected an odd window of at least 1",
    ),
    "generator_param_type": (
        '[map]\ngenerator = "maze"\nparams = { height = "big" }\n',
        "$.map.params.height",
        "Expected `int`, got `str`",
    ),
    # msgspec writes a table key as `[...]`; the message names the key that failed
    "table_key_type": (
        '[groups.red]\nmax_energy = "lots"\n',
        "$.groups.red.max_energy",
        "Expected `int`, got `str`",
    ),
    "nested_table_keys": (
        '[groups.red.profiles.calm]\nupkeep = "x"\n',
        "$.groups.red.profiles.calm.upkeep",
        "Expected `int`, got `str`",
    ),
    "unknown_field_under_a_key": (
        "[buildings.mine]\ncooldwn = 3\n",
        "$.buildings.mine.cooldwn",
        "unknown field; expected one of: ",
    ),
    "quoted_key": (
        '[groups."red team"]\nmax_energy = "x"\n',
        '$.groups["red team"].max_energy',
        "Expected `int`",
    ),
    "generator_unknown_param": (
        '[map]\ngenerator = "maze"\nparams = { hieght = 9 }\n',
        "$.map.params.hieght",
        "unknown field; expected one of: height, width, loops",
    ),
}


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_level_gives_one_clear_message_and_exit_2(case, tmp_path, capsys):
    text, path, expected = BAD[case]
    f = tmp_path / f"{case}.toml"
    f.write_text(text)
    assert main(["validate", str(f)]) == 2
    line = _one_error(capsys)
    assert line.startswith(f"error: {case}.toml: {path}: "), line
    assert expected in line, line
    with pytest.raises(LevelError):
        load_level(f)


def test_cycle_of_base_levels(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "c.toml"\n')
    (tmp_path / "c.toml").write_text('base = "a.toml"\n')
    assert main(["validate", str(tmp_path / "a.toml")]) == 2
    line = _one_error(capsys)
    assert "a.toml: $.base: base levels form a cycle: a.toml -> b.toml -> c.toml -> a.toml" in line


def test_cli_exits_2_without_traceback_in_a_real_process(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[combat]\ndamge = 5\n")
    p = subprocess.run(
        [sys.executable, "-m", "game", "validate", str(f)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert p.stderr.strip() == (
        "error: bad.toml: $.combat.damge: unknown field; expected one of: damage, freeze_duration, "
        "consume_laser, shield_upkeep, steal"
    )


def test_arena_short_is_the_arena_but_for_its_episode_length():
    """game/levels/training/arena_short.toml (the default recipe's training level) must follow
    the arena: whatever changes there changes here, except the episode length and the name."""
    arena, short = load_level("game/levels/arena.toml"), load_level("game/levels/training/arena_short.toml")
    assert (arena.max_steps, short.max_steps) == (1000, 250)
    a, b = msgspec.to_builtins(arena), msgspec.to_builtins(short)
    for k in ("name", "description", "max_steps"):
        a.pop(k), b.pop(k)
    assert a == b


def test_explain_names_the_failing_key_and_keeps_msgspecs_words_without_the_data():
    from game.errors import explain
    from game.rules.schema import Level

    msg = "Expected `int`, got `str` - at `$.groups[...].max_energy`"
    data = {"groups": {"red": {"max_energy": 5}, "blue": {"max_energy": "x"}}}
    assert explain(msg, Level, data) == "$.groups.blue.max_energy: Expected `int`, got `str`"
    assert explain(msg, Level) == "$.groups[...].max_energy: Expected `int`, got `str`"
    # no entry fails on its own (the data do not match the message): msgspec's words stay
    assert (
        explain(msg, Level, {"groups": {"red": {}}}) == "$.groups[...].max_energy: Expected `int`, got `str`"
    )
