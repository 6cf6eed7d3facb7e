"""The `use` kernel (buildings.pyx): differential tests against the reference, then scenarios."""

import numpy as np
import pytest

from game.mechanics.buildings.buildings import KERNELS
from game.systems.binding import resolve, scalars
from game.rules.constants import DC, DR, RES_STATS, STAT_RES, Act, Misc, ResStat
from tests.game_states import differential, random_state
from game.mechanics.buildings import reference_buildings as ref

USE = KERNELS["use"]
TIGHT = {
    "resources": {"ore": {"max": 3}, "battery": {"max": 4}, "heart": {"max": 2}},
    "agent": {"inventory_max": 16},
}
USABLE_WALLS = {"buildings": {"wall": {"usable": True}, "altar": {"reward": 0.0625}}}


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_random_states(seed):
    differential(USE, ref.use, seed, steps=3)


def aim_at_buildings(world, tab, rng):
    """Turn most agents toward an adjacent object and make them use it, so recipes actually run."""
    A = world.resources.num_agents
    grid, pos, ag, b = world.resources.grid, world["position"], world["agent"], world["building"]
    intent = world.resources.intent
    nw, h, wd = grid.shape
    for w in range(nw):
        for a in range(A):
            faces = [
                o
                for o in range(4)
                if 0 <= pos.r[w, a] + DR[o] < h
                and 0 <= pos.c[w, a] + DC[o] < wd
                and grid[w, pos.r[w, a] + DR[o], pos.c[w, a] + DC[o]] >= 0
            ]
            if faces and rng.random() < 0.8:
                o = faces[rng.integers(len(faces))]
                ag.orientation[w, a] = o
                intent[w, a] = (Act.USE, 0)
                row = grid[w, pos.r[w, a] + DR[o], pos.c[w, a] + DC[o]]
                if row >= A and rng.random() < 0.7:
                    b.cooldown[w, row] = 0
                if row >= A and b.kind[w, row] >= 0 and rng.random() < 0.5:  # bring the inputs
                    items = world["inventory"].items[w, a]
                    items[:] = np.minimum(np.maximum(items, tab.b_inputs[b.kind[w, row]]), tab.res_max)


@pytest.mark.parametrize("over", [{}, TIGHT, USABLE_WALLS])
@pytest.mark.parametrize("seed", range(12))
def test_kernel_matches_reference_when_agents_face_buildings(seed, over):
    wa, tab, level = random_state(seed, **over)
    wb, _, _ = random_state(seed, **over)
    extra = scalars(level, tab)
    used = 0
    for step in range(5):
        aim_at_buildings(wa, tab, np.random.default_rng([seed, step]))
        aim_at_buildings(wb, tab, np.random.default_rng([seed, step]))
        USE(**resolve(USE, wa, tab, extra))
        ref.use(**resolve(USE, wb, tab, extra))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"'{name}' differs ({seed=}, {step=})")
        used += int(wa.resources.success.sum())
    assert used > 0  # the comparison above covered successful recipes, not only failures


# ---- scenarios -------------------------------------------------------------------------------


class Scene:
    """World 0 of a random state, with agent 0 facing one building and the only one acting."""

    def __init__(self, building, seed=0, **over):
        self.world, self.tab, self.level = random_state(seed, **over)
        w = self.world
        self.A = w.resources.num_agents
        self.R = {n: i for i, n in enumerate(self.tab.resource_names)}
        kind = self.tab.building_names.index(building)
        self.row = self.A + int(np.flatnonzero(w["building"].kind[0, self.A :] == kind)[0])
        self.front = self.face(0, self.row)
        w.resources.intent[..., 0] = -1
        w.resources.intent[0, 0] = (Act.USE, 0)
        self.b = w["building"]
        self.b.cooldown[0, self.row] = 0
        self.b.stock[0, self.row] = self.tab.b_max_stock[kind]
        self.items = w["inventory"].items[0, 0]
        self.items[:] = 0
        self.agent = w["agent"]
        self.stats = w.resources.stats[0, 0]

    def face(self, a, row):
        """Swap `row` into the in-map, non-terrain cell in front of agent `a` (grid and positions)."""
        w = self.world
        grid, pos = w.resources.grid[0], w["position"]
        h, wd = grid.shape
        r, c = pos.r[0, a], pos.c[0, a]
        o = next(
            o
            for o in range(4)
            if 0 <= r + DR[o] < h and 0 <= c + DC[o] < wd and grid[r + DR[o], c + DC[o]] != -2
        )
        w["agent"].orientation[0, a] = o
        fr, fc = r + DR[o], c + DC[o]
        if grid[fr, fc] == row:
            return fr, fc
        br, bc = pos.r[0, row], pos.c[0, row]
        other = grid[fr, fc]
        grid[fr, fc], grid[br, bc] = row, other
        pos.r[0, row], pos.c[0, row] = fr, fc
        if other >= 0:
            pos.r[0, other], pos.c[0, other] = br, bc
        return fr, fc

    def use(self):
        w = self.world
        USE(**resolve(USE, w, self.tab, scalars(self.level, self.tab)))
        return int(w.resources.success[0, 0])

    def inv(self, **counts):
        self.items[:] = 0
        for name, n in counts.items():
            self.items[self.R[name]] = n

    def held(self):
        return {n: int(self.items[i]) for n, i in self.R.items() if self.items[i]}

    def res_stat(self, name, k):
        return int(self.stats[STAT_RES + RES_STATS * self.R[name] + k])


def test_mine_gives_ore_and_starts_its_cooldown():
    s = Scene("mine")
    gained = s.res_stat("ore", ResStat.GAINED)
    assert s.use() == 1
    assert s.held() == {"ore": 1}
    assert s.b.cooldown[0, s.row] == 50
    assert s.b.stock[0, s.row] == 2  # the random level's mine holds 3
    assert s.res_stat("ore", ResStat.GAINED) == gained + 1


def test_generator_converts_ore_to_battery():
    s = Scene("generator")
    s.inv(ore=2)
    used, gained = s.res_stat("ore", ResStat.USED), s.res_stat("battery", ResStat.GAINED)
    assert s.use() == 1
    assert s.held() == {"ore": 1, "battery": 1}
    assert s.b.cooldown[0, s.row] == 25 and s.b.stock[0, s.row] == -1  # unlimited stays unlimited
    assert s.res_stat("ore", ResStat.USED) == used + 1
    assert s.res_stat("battery", ResStat.GAINED) == gained + 1


def test_altar_takes_batteries_and_energy_and_pays_its_reward():
    s = Scene("altar", buildings={"altar": {"reward": 0.25}})
    s.inv(battery=3, ore=1)
    s.agent.energy[0, 0] = 15
    s.world.resources.raw_reward[0, 0] = 0.5
    k = scalars(s.level, s.tab)["stat_misc"] + Misc.REWARD_BUILDING
    misc = int(s.stats[k])
    assert s.use() == 1
    assert s.held() == {"heart": 1, "ore": 1}
    assert s.agent.energy[0, 0] == 5
    assert s.world.resources.raw_reward[0, 0] == pytest.approx(0.75)  # added, not assigned
    assert s.stats[k] == misc + 250


@pytest.mark.parametrize("battery, energy", [(2, 50), (3, 9)])
def test_altar_fails_without_enough_inputs_or_energy(battery, energy):
    s = Scene("altar")
    s.inv(battery=battery)
    s.agent.energy[0, 0] = energy
    s.world.resources.success[0, 0] = 1
    before = {k: v.copy() for k, v in s.world.state_arrays().items()}
    assert s.use() == 0
    after = s.world.state_arrays()
    assert [k for k in before if not np.array_equal(before[k], after[k])] == ["resource.success"]


def test_building_on_cooldown_fails_until_it_is_over():
    s = Scene("mine")
    s.b.cooldown[0, s.row] = 1
    assert s.use() == 0 and s.held() == {} and s.b.stock[0, s.row] == 3
    s.b.cooldown[0, s.row] = 0
    assert s.use() == 1 and s.held() == {"ore": 1}
    assert s.use() == 0 and s.held() == {"ore": 1}  # its own use started the cooldown


def test_limited_stock_runs_out_then_regenerates():
    from game.mechanics.buildings.cooldown import KERNELS as CD

    s = Scene("mine", buildings={"mine": {"cooldown": 0}})
    s.b.regen_timer[0, s.row] = 0
    assert [s.use() for _ in range(4)] == [1, 1, 1, 0]
    assert s.held() == {"ore": 3} and s.b.stock[0, s.row] == 0
    tick = CD["cooldown"]
    for _ in range(3):
        tick(**resolve(tick, s.world, s.tab, {}))
    assert s.use() == 0 and s.b.stock[0, s.row] == 0
    tick(**resolve(tick, s.world, s.tab, {}))  # the 4th tick regenerates one use
    assert s.b.stock[0, s.row] == 1
    assert s.use() == 1 and s.held() == {"ore": 4} and s.b.stock[0, s.row] == 0


def test_output_over_a_resource_cap_fails_with_nothing_taken():
    s = Scene("generator")
    s.inv(ore=5, battery=int(s.tab.res_max[s.R["battery"]]))
    assert s.use() == 0
    assert s.held() == {"ore": 5, "battery": 50}
    assert s.b.cooldown[0, s.row] == 0


def test_total_cap_is_checked_after_the_inputs_are_taken():
    s = Scene("generator")
    cap = s.tab.inventory_max
    s.inv(ore=1, battery=cap - 1)  # full: but the ore taken makes room for the battery
    assert s.use() == 1 and s.held() == {"battery": cap}
    s2 = Scene("mine")
    s2.inv(battery=cap)
    assert s2.use() == 0 and s2.held() == {"battery": cap} and s2.b.stock[0, s2.row] == 3


def test_charger_clamps_energy_at_max():
    s = Scene("charger")
    top = int(s.agent.max_energy[0, 0])
    s.inv(battery=2)
    s.agent.energy[0, 0] = top - 30
    assert s.use() == 1
    assert s.agent.energy[0, 0] == top and s.held() == {"battery": 1}


@pytest.mark.parametrize("target", ["wall", "block"])
def test_unusable_objects_fail(target):
    s = Scene(target)
    assert s.use() == 0 and s.held() == {}


def test_an_agent_in_front_is_not_a_building_even_if_kind_0_is_usable():
    # An agent's building columns read as a wall (kind 0); with walls usable and unlimited, only
    # the row range tells an agent from a wall.
    s = Scene("wall", buildings={"wall": {"usable": True, "outputs": {"ore": 1}}})
    assert s.use() == 1 and s.held() == {"ore": 1}  # the wall itself now works
    s.items[:] = 0
    s.face(0, 1)  # agent 1 in front
    s.b.stock[0, 1] = -1
    assert s.use() == 0 and s.held() == {}


def test_only_use_intents_act_and_others_keep_their_success():
    s = Scene("mine")
    s.world.resources.success[0] = 1
    s.world.resources.intent[0, 0] = (Act.MOVE, 0)
    USE(**resolve(USE, s.world, s.tab, scalars(s.level, s.tab)))
    assert s.held() == {} and s.world.resources.success[0].all()
