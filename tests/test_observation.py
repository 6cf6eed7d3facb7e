"""The observation kernel against a cell-by-cell reference, across moves and state changes."""

import numpy as np
import pytest

from game.mechanics.movement import movement
from game.mechanics.observation import observation
from game.systems.binding import resolve, scalars
from game.rules.constants import Act
from game.state.kinship import kin_row, kin_view
from tests.game_states import random_state, scramble, with_obs
from game.mechanics.movement import reference_movement as ref_movement
from game.mechanics.observation import reference_observation as ref_observation


# window 11 reaches past the map's edges from most cells; window 3 sees fewer cells than there
# are agents
@pytest.mark.parametrize("window", [11, 3])
@pytest.mark.parametrize("seed", range(30))
def test_encoding_matches_reference(seed, window):
    wa, tab, level = random_state(seed, obs={"window": window})
    wb, _, _ = random_state(seed, obs={"window": window})
    ea = with_obs(scalars(level, tab), wa, level)
    eb = with_obs(scalars(level, tab), wb, level)
    rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
    k_obs = observation.KERNELS["observation"]
    k_move = movement.KERNELS["move"]
    for step in range(4):
        k_obs(**resolve(k_obs, wa, tab, ea))
        ref_observation.observe(**resolve(k_obs, wb, tab, eb))
        np.testing.assert_array_equal(ea["obs"], eb["obs"], err_msg=f"obs, step {step}")
        for name, arr in wa.state_arrays().items():
            np.testing.assert_array_equal(arr, wb.state_arrays()[name], err_msg=f"{name}, step {step}")
        # change the world between encodings: agents move, and every field is scrambled
        for world, fn, extra, rng in ((wa, k_move, ea, rng_a), (wb, ref_movement.move_rotate, eb, rng_b)):
            r = world.resources
            r.intent[..., 0] = Act.MOVE
            r.intent[..., 1] = rng.integers(0, 2, r.intent.shape[:2])
            r.active[...] = 1
            fn(**resolve(k_move, world, tab, extra))
            scramble(world, tab, rng)
            b = world["building"]
            gone = b.has & (b.kind >= 0) & (rng.random(b.has.shape) < 0.1)
            b.kind[gone] = -1
            for w, e in zip(*np.nonzero(gone)):
                r.grid[w, world["position"].r[w, e], world["position"].c[w, e]] = -1


def test_observer_sees_itself_its_kin_and_its_bond():
    world, tab, level = random_state(5, kinship={"mode": "teams", "share": 0.5})
    extra = with_obs(scalars(level, tab), world, level)
    r, f = world.resources, tab.features
    ag = world["agent"]
    r.bond_partner[...] = -1
    ag.energy[0, 0] = 77
    r.last_action[0, 0] = 3
    r.success[0, 0] = 1
    r.reward[0, 0] = 1.0
    r.episode_tick[0] = 25
    kernel = observation.KERNELS["observation"]
    kernel(**resolve(kernel, world, tab, extra))
    half = level.obs.window // 2
    me = extra["obs"][0, 0, half, half]
    assert me[f.agent] == 1 and me[f.agent + 2] == 77
    assert me[f.self_] == 4 and me[f.self_ + 1] == 1 and me[f.self_ + 2] == 192
    assert me[f.self_ + 3] == 25 * 255 // level.max_steps
    n = int((ag.group[0, : r.num_agents] == ag.group[0, 0]).sum())
    assert (
        me[f.channel("kin")] == kin_view(kin_row(r, 0, 0))[0] == round(128 + 127 * (0.5 + 0.5 / n))
    )  # K[i, i] under team sharing
    # a team mate bonded to agent 0, placed right next to it
    mate = int(np.flatnonzero(ag.group[0, : r.num_agents] == ag.group[0, 0])[1])
    pr, pc = world["position"].r[0, 0], world["position"].c[0, 0]
    r.bond_partner[0, 0, 0], r.bond_until[0, 0, 0] = mate, 100
    seen = extra["obs"][0, 0]
    kernel(**resolve(kernel, world, tab, extra))
    mr, mc = world["position"].r[0, mate], world["position"].c[0, mate]
    i, j = half + mr - pr, half + mc - pc
    if 0 <= i < level.obs.window and 0 <= j < level.obs.window:
        assert (
            seen[i, j, f.channel("bond")] == 1
            and seen[i, j, f.channel("kin")] == kin_view(kin_row(r, 0, 0))[mate]
        )
    assert seen[..., f.channel("bond")].sum() == (
        1 if 0 <= i < level.obs.window and 0 <= j < level.obs.window else 0
    )


def test_feature_table_matches_kernel_layout():
    _, tab, _ = random_state(0)
    f = tab.features
    assert f.names[:7] == (
        "agent",
        "agent.group",
        "agent.energy",
        "agent.frozen",
        "agent.orientation",
        "agent.shield",
        "agent.color",
    )
    assert f.names[f.inventory : f.inventory + len(tab.resource_names)] == tuple(
        f"inv.{r}" for r in tab.resource_names
    )
    assert f.names[f.building : f.building + 4] == (
        "building.type",
        "building.ready",
        "building.stock",
        "building.hp",
    )
    assert f.names[f.self_ :] == (
        "self.last_action",
        "self.last_success",
        "self.last_reward",
        "self.progress",
    )


def test_record_table_of_the_wrong_size_is_refused():
    world, tab, level = random_state(7)
    extra = with_obs(scalars(level, tab), world, level)
    kernel = observation.KERNELS["observation"]
    small = extra["cell_records"][:-1]
    with pytest.raises(ValueError, match=r"cell_records must have shape"):
        kernel(**resolve(kernel, world, tab, {**extra, "cell_records": small}))
