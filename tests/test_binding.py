"""A kernel's arguments bind from the sources its system declares (game/mechanics/args.py,
game/systems/binding.py): each source, the errors that name what is missing, and that the
declarations and the game's scalars agree."""

import pytest

from game.load.level import load_level
from game.mechanics.args import column, given, has, state, table
from game.mechanics.movement.movement import KERNELS
from game.mechanics.registry import MECHANICS
from game.state.world import build
from game.systems import binding
from game.systems.binding import DECLARED, resolve, scalars, source

MOVE = KERNELS["move"]


@pytest.fixture(scope="module")
def arena():
    level = load_level("arena")
    world, tab, _ = build(level, num_worlds=2, seed=0)
    return level, world, tab


def test_each_argument_comes_from_its_declared_source(arena):
    level, world, tab = arena
    bound = resolve(MOVE, world, tab, {})
    assert bound["grid"] is world.resources.grid
    assert bound["order"] is world.resources.order
    assert bound["position_r"] is world.column("position", "r")
    assert bound["agent_orientation"] is world.column("agent", "orientation")
    assert list(bound) == [a.name for a in DECLARED["move"]]
    assert source(has("building"), world, tab).base is world["building"].has
    assert source(table("b_inputs"), world, tab) is tab.b_inputs


def test_what_is_given_wins_over_the_declared_source(arena):
    level, world, tab = arena
    mine = world.resources.grid.copy()
    assert resolve(MOVE, world, tab, {"grid": mine})["grid"] is mine


@pytest.mark.parametrize(
    "arg, message",
    [
        (state("nope", "worlds"), r"k: argument 'nope' \(state nope\): the World has no resource 'nope'"),
        (
            column("nope", "x", "worlds"),
            r"argument 'nope_x' \(column nope.x\): the World has no component 'nope'",
        ),
        (
            table("nope", "types"),
            r"argument 't_nope' \(table nope\): the level's Tables have no table 'nope'",
        ),
        (given("obs", "worlds"), r"argument 'obs' \(given obs\): not given"),
    ],
)
def test_a_missing_source_is_refused_naming_the_kernel_and_argument(arena, arg, message):
    _, world, tab = arena
    with pytest.raises(KeyError, match=message):
        source(arg, world, tab, "k")


def test_a_kernel_whose_build_is_older_than_its_declaration_is_refused(arena, monkeypatch):
    _, world, tab = arena
    monkeypatch.setitem(binding.DECLARED, "move", DECLARED["move"][1:])
    with pytest.raises(
        RuntimeError, match="move: the compiled kernel takes .* the build is stale, run make build"
    ):
        resolve(MOVE, world, tab, {})


@pytest.mark.parametrize("name", ["arena", "kin_aggression", "mate"])
def test_the_declared_scalars_are_the_scalars_the_game_computes(name):
    """No kernel reads a scalar nobody computes, and no mechanic computes one no kernel reads."""
    level = load_level(name)
    _, tab, _ = build(level, num_worlds=1, seed=0)
    declared = {a.name for m in MECHANICS for s in m.systems for a in s.args if a.source == "scalar"}
    assert declared == set(scalars(level, tab))
