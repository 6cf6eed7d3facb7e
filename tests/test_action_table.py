"""The flat action list: every valid (action, argument) pair exactly once, named, and valid."""

import numpy as np
import pytest

import game

LEVELS = ["game/levels/arena.toml", "game/levels/harvest.toml", "tests/levels/tiny_harvest.toml"]


@pytest.mark.parametrize("level", LEVELS)
def test_the_flat_list_is_every_valid_pair_once(level):
    env = game.make_env(level, num_worlds=1)
    tab = env.tables
    pairs = env.flat_actions
    expected = {(i, a) for i, code in enumerate(tab.action_code) for a in range(int(tab.arg_count[code]))}
    assert pairs.dtype == np.int32 and pairs.shape == (len(expected), 2)
    assert {tuple(p) for p in pairs.tolist()} == expected
    names = env.flat_action_names
    assert len(names) == len(pairs) == len(set(names))
    # argument-less actions keep their plain name; the others name their argument
    for (i, arg), name in zip(pairs.tolist(), names):
        action = env.action_names[i]
        assert name == action if tab.arg_count[tab.action_code[i]] == 1 else name.startswith(action + "_")


def test_names_follow_the_game():
    names = game.make_env("game/levels/arena.toml", num_worlds=1).flat_action_names
    for n in (
        "noop",
        "move_forward",
        "move_backward",
        "rotate_up",
        "rotate_right",
        "use",
        "attack_0",
        "attack_8",
        "shield",
        "transfer_ore",
        "transfer_heart",
        "swap",
        "color_halve",
        "mate",
    ):
        assert n in names, n


def test_disabled_actions_leave_the_list(tmp_path):
    level = tmp_path / "no_attack.toml"
    level.write_text(open("tests/levels/tiny_harvest.toml").read() + "\n[actions.attack]\nenabled = false\n")
    env = game.make_env(str(level), num_worlds=1)
    assert "attack" not in env.action_names
    assert not any(n.startswith("attack") for n in env.flat_action_names)
    assert "move_forward" in env.flat_action_names


def test_no_flat_action_fails_for_its_argument():
    """Stepping every flat action many times counts no invalid argument (the MultiDiscrete grid does)."""
    env = game.make_env("game/levels/arena.toml", num_worlds=2, seed=3, max_steps=40, report_interval=1)
    env.reset()
    rng = np.random.default_rng(0)
    infos = []
    for _ in range(40):
        _, _, _, _, i = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), env.num_agents)])
        infos += i
    assert infos and all(i.get("action.invalid_arg", 0) == 0 for i in infos)
    env.reset()
    bad = np.zeros((env.num_agents, 2), np.int32)
    bad[:, 0] = env.action_names.index("noop")
    bad[:, 1] = 5  # noop takes no argument: this pair is not in the list, and it fails
    assert not any((row == bad[0]).all() for row in env.flat_actions)
    infos = []
    for _ in range(40):
        infos += env.step(bad)[4]
    assert infos[0]["action.invalid_arg"] > 0
