"""game/rules/limits.py and game/state/memory.py: huge maps, episode lengths and env sizes are refused
in one line, early."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import game
from game.rules import limits
from game.state import memory
from game.__main__ import main as game_main


@pytest.mark.parametrize(
    "body, field",
    [
        (
            '[map]\ngenerator = "scatter"\n[map.params]\nheight = 100000\nwidth = 100000\nagents = 2\n',
            "$.map.params.height",
        ),
        ('[map]\ngenerator = "maze"\n[map.params]\nheight = 21\nwidth = 20001\n', "$.map.params.width"),
        ('[map]\nascii = """\n' + ("#" * 1100 + "\n") * 3 + '"""\n', "$.map.ascii.width"),
        ('base = "harvest"\nmax_steps = 100000000000\n', "$.max_steps"),
        ('base = "harvest"\nmax_steps = 1e23\n', "$.max_steps"),
    ],
)
def test_sizes_past_the_limits_are_refused_at_once(tmp_path, capsys, body, field):
    f = tmp_path / "big.toml"
    f.write_text('name = "big"\n' + body if "base" not in body else body)
    assert game_main(["validate", str(f)]) == 2
    err = capsys.readouterr()
    text = err.out + err.err
    assert field in text and "big.toml" in text, text


def test_the_largest_allowed_side_still_builds(tmp_path):
    f = tmp_path / "edge.toml"
    f.write_text(
        f'name = "edge"\n[map]\ngenerator = "scatter"\n[map.params]\nheight = {limits.MAX_MAP_SIDE}\n'
        f"width = 8\nagents = 1\n"
    )
    env = game.make_env(str(f))
    assert env.layouts[0].height == limits.MAX_MAP_SIDE
    env.close()


def test_env_memory_estimate_grows_with_worlds():
    level = game.load_level("harvest")
    one, four = memory.env_bytes(level, 1), memory.env_bytes(level, 4)
    assert one > 0 and four == 4 * one


def test_an_env_that_does_not_fit_is_refused_with_what_it_needs(monkeypatch):
    level = game.load_level("harvest")
    need = memory.env_bytes(level, 64)
    import psutil

    monkeypatch.setattr(
        psutil, "virtual_memory", lambda: SimpleNamespace(available=need)
    )  # 80% of it is too little
    with pytest.raises(game.LevelError) as e:
        game.make_env("harvest", num_worlds=64)
    msg = str(e.value)
    assert "64 worlds would need about" in msg and "is available" in msg and "num_worlds" in msg
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=2 * need))
    game.make_env("harvest", num_worlds=64).close()


def test_train_refuses_too_many_worlds_in_one_line(monkeypatch, tmp_path, capsys):
    import psutil

    from learn.__main__ import main

    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=10 * 2**20))
    assert (
        main(
            [
                "train",
                "harvest",
                "--num-worlds",
                "4096",
                "--run-dir",
                str(tmp_path / "run"),
                "--quiet",
                "--no-reference",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "4,096 worlds would need about" in err and err.count("\n") == 1
    assert not (tmp_path / "run" / "checkpoints").exists()


# a map a little past the limit from every generator: small enough to draw if the check were missed
# (a rooms map of 100000x100000 rooms took 70 s and 19.8 GB to validate "ok"), so a regression fails
# the test instead of taking the machine's memory
PAST = limits.MAX_MAP_SIDE + 1
TOO_BIG = {
    "rooms": (
        {"rows": 1, "cols": 1, "room_height": PAST, "room_width": 4, "border": 0, "agents_per_room": 1},
        "$.map.params.room_height: the map would be 1025 cells high "
        "(rows * room_height + (rows + 1) * border)",
    ),
    "scatter": ({"height": PAST, "width": 8, "agents": 1}, "$.map.params.height: 1025 is over"),
    "maze": ({"height": 21, "width": PAST, "agents": 1}, "$.map.params.width: 1025 is over"),
    "compose": (
        {"height": PAST, "width": 8, "parts": [{"generator": "scatter", "params": {"agents": 1}}]},
        "$.map.params.height: 1025 is over",
    ),
    "ascii": ({"ascii": "A" + "." * limits.MAX_MAP_SIDE}, "$.map.params.ascii.width: 1025 is over"),
}


def test_every_generator_has_a_too_big_case():
    from game.maps.generators import GENERATORS

    assert set(TOO_BIG) == set(GENERATORS)


@pytest.mark.parametrize("generator", sorted(TOO_BIG))
def test_the_map_every_generator_would_build_is_checked_before_it_is_drawn(tmp_path, capsys, generator):
    import tomli_w

    params, expected = TOO_BIG[generator]
    f = tmp_path / "big.toml"
    f.write_text(tomli_w.dumps({"name": "big", "map": {"generator": generator, "params": params}}))
    assert game_main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: big.toml: {expected}") and err.count("\n") == 1, err


def test_a_compose_part_past_the_limit_is_named_by_its_path(tmp_path, capsys):
    import tomli_w

    part = {"generator": "rooms", "params": TOO_BIG["rooms"][0]}
    f = tmp_path / "big.toml"
    f.write_text(
        tomli_w.dumps(
            {
                "name": "big",
                "map": {"generator": "compose", "params": {"height": 20, "width": 20, "parts": [part]}},
            }
        )
    )
    assert game_main(["validate", str(f)]) == 2
    assert (
        "$.map.params.parts[0].params.room_height: the map would be 1025 cells high"
        in capsys.readouterr().err
    )
