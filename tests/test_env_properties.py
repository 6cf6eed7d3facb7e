"""Property tests: random small worlds, random rules, random actions; invariants after every tick.

Invariants (docs/game_systems.md):
- one occupant per cell: the grid and the positions of agents and live objects agree;
- energy within [0, max_energy];
- inventories within the per-resource caps and the total cap;
- conservation: the total of each resource in a world changes only by recipes (GAINED - USED, which
  includes lasers consumed by attacks) and armor destroyed by hits (DESTROYED); stealing and
  transfers move items between agents without changing the total.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.rules.constants import RES_STATS, STAT_RES, ResStat
from tests.scenario_util import Scenario

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CELLS = "....#AAAAAmmmggccarlbftts"  # weighted: mostly empty, agents and every building kind


@st.composite
def worlds(draw):
    h = draw(st.integers(2, 6))
    w = draw(st.integers(3, 6))
    cells = draw(st.lists(st.sampled_from(CELLS), min_size=h * w, max_size=h * w))
    if "A" not in cells:
        cells[draw(st.integers(0, h * w - 1))] = "A"
    ascii = "\n".join("".join(cells[r * w : (r + 1) * w]) for r in range(h))
    max_energy = draw(st.integers(20, 255))
    raw = {
        "groups": {
            "agent": {
                "max_energy": max_energy,
                "start_energy": draw(st.integers(max_energy // 2, max_energy)),
                "upkeep": draw(st.integers(0, 1)),
            }
        },
        "combat": {
            "damage": draw(st.integers(0, 40)),
            "freeze_duration": draw(st.integers(0, 4)),
            "consume_laser": draw(st.sampled_from([False, False, True])),
            "steal": draw(st.sampled_from([True, True, False])),
            "shield_upkeep": draw(st.integers(0, 3)),
        },
        "agent": {"inventory_max": draw(st.integers(1, 12))},
        "resources": {
            r: {"max": draw(st.integers(1, 6))} for r in ("ore", "battery", "heart", "armor", "laser")
        },
        # instant buildings and cheap recipes so that a few random ticks exercise every path
        "buildings": {
            # the mine may hand out armor, lasers and batteries too, so that thefts, armor hits
            # and laser use happen within a few random ticks
            "mine": {
                "cooldown": 0,
                "outputs": {"ore": 1, **{r: draw(st.integers(0, 1)) for r in ("battery", "armor", "laser")}},
            },
            "generator": {"cooldown": 0},
            "altar": {"cooldown": 0, "inputs": {"battery": 1}},
            "armory": {"cooldown": 0, "inputs": {"ore": 1}},
            "lasery": {"cooldown": 0, "inputs": {"ore": 1, "battery": 0}},
            "lab": {"cooldown": 0, "inputs": {"ore": 1, "battery": 0}},
            "factory": {"cooldown": 0, "inputs": {"blueprint": 1, "ore": 0, "battery": 0}},
            "temple": {"cooldown": draw(st.integers(0, 2))},
            "charger": {
                "cooldown": 0,
                "max_stock": draw(st.integers(-1, 2)),
                "regen": draw(st.integers(0, 3)),
            },
        },
        "kinship": {"mode": draw(st.sampled_from(["none", "teams", "random"]))},
    }
    num_worlds = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    return ascii, raw, num_worlds, seed


def random_actions(rng: np.random.Generator, s: Scenario, bad_args: bool) -> np.ndarray:
    n, nact = s.n, len(s.env.action_names)
    ids = rng.integers(0, nact, n)
    # bias towards the interesting actions
    hot = np.array([s.ids[a] for a in ("use", "attack", "rotate", "move", "transfer", "swap", "shield")])
    mask = rng.random(n) < 0.7
    ids[mask] = rng.choice(hot, mask.sum())
    tab = s.env.tables
    args = rng.integers(0, tab.arg_count[tab.action_code[ids]])  # valid arguments
    if bad_args:
        bad = rng.random(n) < 0.3
        args[bad] = rng.integers(-2, s.env.single_action_space.nvec[1] + 2, bad.sum())
    return np.stack([ids, args], axis=1).astype(np.int32)


def check_occupancy(s: Scenario) -> None:
    env = s.env
    A = env.agents_per_world
    pos, bld = env.world["position"], env.world["building"]
    alive = env.world.alive
    for w in range(env.num_worlds):
        grid = s.grid(w)
        occupants = []
        for row in range(alive.shape[1]):
            if not alive[w, row]:
                continue
            if row >= A and bld.kind[w, row] < 0:
                continue  # destroyed building: no cell
            r, c = int(pos.r[w, row]), int(pos.c[w, row])
            assert 0 <= r < grid.shape[0] and 0 <= c < grid.shape[1]
            assert grid[r, c] == row, f"world {w}: row {row} at {(r, c)} but the grid holds {grid[r, c]}"
            occupants.append((r, c))
        assert len(set(occupants)) == len(occupants), "two occupants share a cell"
        assert (grid >= 0).sum() == len(occupants), "the grid holds a row that stands elsewhere"
        assert ((grid >= -2) & (grid < alive.shape[1])).all()


def check_bounds(s: Scenario) -> None:
    env = s.env
    A = env.agents_per_world
    ag = env.world["agent"]
    e, m = ag.energy[:, :A], ag.max_energy[:, :A]
    assert (e >= 0).all() and (e <= m).all(), f"energy out of [0, max]: {e}"
    inv = env.world["inventory"].items[:, :A]
    assert (inv >= 0).all()
    assert (inv <= env.tables.res_max).all(), "per-resource cap broken"
    assert (inv.sum(axis=2) <= env.tables.inventory_max).all(), "total cap broken"
    assert (ag.frozen[:, :A] >= 0).all()


def totals(s: Scenario) -> np.ndarray:
    A = s.env.agents_per_world
    return s.env.world["inventory"].items[:, :A].sum(axis=1).astype(np.int64)  # (W, R)


def flows(s: Scenario) -> np.ndarray:
    """Per world and resource: made (gained) - used - destroyed; stolen/given/received/lost cancel."""
    R = len(s.env.resource_names)
    st_ = s.env.world.resources.stats.astype(np.int64)
    res = (
        st_[:, :, STAT_RES : STAT_RES + RES_STATS * R]
        .reshape(st_.shape[0], st_.shape[1], R, RES_STATS)
        .sum(1)
    )
    moved = res[..., ResStat.STOLEN] - res[..., ResStat.LOST]
    assert (moved == 0).all(), "stolen and lost must match within a world"
    assert (res[..., ResStat.GIVEN] == res[..., ResStat.RECEIVED]).all(), "given and received must match"
    return res[..., ResStat.GAINED] - res[..., ResStat.USED] - res[..., ResStat.DESTROYED]


def run_invariants(ascii, raw, num_worlds, seed, steps=100, bad_args=False):
    s = Scenario(ascii, num_worlds=num_worlds, seed=seed, **raw)
    rng = np.random.default_rng(seed)
    start = totals(s)
    check_occupancy(s)
    check_bounds(s)
    for _ in range(steps):
        s.env.step(random_actions(rng, s, bad_args))
        check_occupancy(s)
        check_bounds(s)
        np.testing.assert_array_equal(totals(s) - start, flows(s), err_msg="a resource appeared or vanished")
    return s


@SETTINGS
@given(worlds())
def test_invariants_random_worlds(world):
    run_invariants(*world)


@SETTINGS
@given(worlds())
def test_invariants_with_bad_arguments(world):
    s = run_invariants(*world, steps=30, bad_args=True)
    # bad arguments are counted, never crash, never pay
    names = s.env.stat_names
    assert s.env.world.resources.stats[..., names.index("action.invalid_arg")].sum() > 0


@SETTINGS
@given(worlds())
def test_every_agent_sees_itself_at_the_centre(world):
    ascii, raw, num_worlds, seed = world
    s = Scenario(ascii, num_worlds=num_worlds, seed=seed, **raw)
    rng = np.random.default_rng(seed)
    names = s.env.feature_names
    A = s.env.agents_per_world
    for _ in range(20):
        obs, *_ = s.env.step(random_actions(rng, s, False))
        c = s.half
        assert (obs[:, c, c, names.index("agent")] == 1).all()
        energy = s.env.world["agent"].energy[:, :A].reshape(-1)
        np.testing.assert_array_equal(obs[:, c, c, names.index("agent.energy")], np.minimum(energy, 255))
        inv = s.env.world["inventory"].items[:, :A].reshape(s.n, -1)
        first = names.index("inv." + s.env.resource_names[0])
        np.testing.assert_array_equal(obs[:, c, c, first : first + inv.shape[1]], np.minimum(inv, 255))
        # the number of agents seen in all windows at the centre equals the number of agents
        assert obs[:, c, c, names.index("agent")].sum() == s.n
