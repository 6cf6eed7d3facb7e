"""freeze, decode/tally, inventory_reward and kinship: differential and focused tests."""

import numpy as np
import pytest

from game.mechanics.actions import decode
from game.mechanics.actions import freeze
from game.mechanics.rewards import inventory_reward
from game.mechanics.kinship import kinship
from game.rules import constants as C
from game.systems.binding import resolve, scalars
from tests.game_states import differential, random_state
from tests.game_states import run_kernel as run
from game.mechanics.actions import reference_decode as ref_decode
from game.mechanics.actions import reference_freeze as ref_freeze
from game.mechanics.rewards import reference_inventory_reward as ref_inventory_reward
from game.mechanics.kinship import reference_kinship as ref_kinship

SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_freeze_matches_reference(seed):
    differential(freeze.KERNELS["freeze"], ref_freeze.freeze, seed, steps=3)


def random_actions(seed, world, tab):
    rng = np.random.default_rng(seed + 1000)
    W, A = world.num_worlds, world.resources.num_agents
    acts = np.zeros((W, A, 2), np.int32)
    acts[..., 0] = rng.integers(0, len(tab.action_names), (W, A))
    acts[..., 1] = rng.integers(-1, 10, (W, A))
    return acts


@pytest.mark.parametrize("seed", SEEDS)
def test_decode_matches_reference(seed):
    wa, tab, level = random_state(seed)
    wb, _, _ = random_state(seed)
    acts = random_actions(seed, wa, tab)
    for world, fn in ((wa, decode.KERNELS["decode"]), (wb, ref_decode.decode)):
        args = resolve(decode.KERNELS["decode"], world, tab, {**scalars(level, tab), "actions": acts})
        fn(**args)
    for name, arr in wa.state_arrays().items():
        np.testing.assert_array_equal(arr, wb.state_arrays()[name], err_msg=name)


@pytest.mark.parametrize("seed", SEEDS)
def test_tally_matches_reference(seed):
    differential(decode.KERNELS["tally"], ref_decode.tally, seed, steps=2)


@pytest.mark.parametrize("seed", SEEDS)
def test_inventory_reward_matches_reference(seed):
    differential(
        inventory_reward.KERNELS["inventory_reward"], ref_inventory_reward.inventory_reward, seed, steps=2
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", ["teams", "random", "clans", "none"])
def test_kinship_matches_reference(seed, mode):
    differential(kinship.KERNELS["kinship"], ref_kinship.kinship, seed, steps=2, kinship={"mode": mode})


def test_frozen_agent_loses_its_action_and_counts_down():
    world, tab, level = random_state(0)
    ag, r = world["agent"], world.resources
    ag.frozen[0, :3] = (2, 1, 0)
    r.stats[...] = 0
    run(freeze.KERNELS["freeze"], world, tab, level)
    assert ag.frozen[0, :3].tolist() == [1, 0, 0]
    assert r.active[0, :3].tolist() == [0, 0, 1]
    assert r.intent[0, 0, 0] == -1 and r.intent[0, 1, 0] == -1
    assert r.stats[0, 0, C.STAT_FROZEN] == 1 and r.stats[0, 2, C.STAT_FROZEN] == 0


def test_decode_pays_costs_and_rejects_bad_args_and_poverty():
    world, tab, level = random_state(1)
    ag, r = world["agent"], world.resources
    r.active[...] = 1
    r.stats[...] = 0
    ag.profile[...] = 0  # the group's own body: costs from [actions] (profiles: tests/test_profile.py)
    ag.energy[0, :4] = (50, 5, 50, 50)
    acts = np.zeros((world.num_worlds, r.num_agents, 2), np.int32)
    attack = tab.action_names.index("attack")
    move = tab.action_names.index("move")
    acts[0, 0] = (attack, 4)  # cost 10: paid
    acts[0, 1] = (attack, 4)  # cost 10 > 5: fails, not paid
    acts[0, 2] = (move, 2)  # move takes 0..1: bad argument, not paid
    acts[0, 3] = (move, 1)
    run(decode.KERNELS["decode"], world, tab, level, actions=acts)
    misc = C.stat_misc_base(len(tab.resource_names))
    assert ag.energy[0, :4].tolist() == [40, 5, 50, 49]
    assert r.intent[0, :4, 0].tolist() == [C.Act.ATTACK, -1, -1, C.Act.MOVE]
    assert r.stats[0, 1, C.STAT_NO_ENERGY] == 1 and r.stats[0, 2, C.STAT_BAD_ARG] == 1
    assert r.stats[0, 0, misc + C.Misc.ENERGY_SPENT] == 10
    assert sorted(r.order[0].tolist()) == list(range(r.num_agents))
    assert r.last_action[0, 0] == attack


def test_inventory_reward_pays_the_change_of_the_capped_value():
    world, tab, level = random_state(2)
    inv, r = world["inventory"], world.resources
    ore, heart = tab.resource_names.index("ore"), tab.resource_names.index("heart")
    inv.items[0, 0] = 0
    r.held[0, 0] = 0
    r.raw_reward[0, 0] = 0
    inv.items[0, 0, heart] = 2
    inv.items[0, 0, ore] = 1000  # 0.005 * 1000 = 5, capped at 2
    run(inventory_reward.KERNELS["inventory_reward"], world, tab, level)
    assert r.raw_reward[0, 0] == pytest.approx(4.0)
    inv.items[0, 0, heart] = 1  # losing a heart costs its reward
    r.raw_reward[0, 0] = 0
    run(inventory_reward.KERNELS["inventory_reward"], world, tab, level)
    assert r.raw_reward[0, 0] == pytest.approx(-1.0)


def test_team_kinship_reproduces_group_reward_pct():
    world, tab, level = random_state(3, kinship={"mode": "teams", "share": 0.5})
    r = world.resources
    A = r.num_agents
    team = world["agent"].group[0, :A]
    r.raw_reward[...] = 0
    r.bond_partner[...] = -1
    r.raw_reward[0, 0] = 1.0
    run(kinship.KERNELS["kinship"], world, tab, level)
    mates = np.flatnonzero(team == team[0])
    n = len(mates)
    assert r.reward[0, 0] == pytest.approx(0.5 + 0.5 / n)
    for m in mates[1:]:
        assert r.reward[0, m] == pytest.approx(0.5 / n)
    others = np.flatnonzero(team != team[0])
    assert (r.reward[0, others] == 0).all()
    assert r.reward[0].sum() == pytest.approx(1.0)  # sharing moves reward, it creates none


def test_a_class_whose_rewards_cancel_still_weights_each_agent_own_reward():
    # two team mates earn +1 and -1: the team's sum is 0, so no class is mixed at all, yet each
    # agent keeps (1 - share) of its own reward: K[i, i] - K[i, j] = 1 - share
    world, tab, level = random_state(3, kinship={"mode": "teams", "share": 0.5})
    r = world.resources
    team = world["agent"].group[0, : r.num_agents]
    a, b = np.flatnonzero(team == team[0])[:2]
    r.raw_reward[...] = 0
    r.bond_partner[...] = -1
    r.raw_reward[0, a], r.raw_reward[0, b] = 1.0, -1.0
    run(kinship.KERNELS["kinship"], world, tab, level)
    assert r.reward[0, a] == pytest.approx(0.5) and r.reward[0, b] == pytest.approx(-0.5)
    others = np.setdiff1d(np.arange(r.num_agents), [a, b])
    assert (r.reward[0, others] == 0).all()


def test_live_bonds_share_reward_and_expired_ones_do_not():
    world, tab, level = random_state(4, kinship={"mode": "none"}, mate={"share": 0.25})
    r = world.resources
    r.raw_reward[...] = 0
    r.bond_partner[...] = -1
    r.episode_tick[0] = 10
    r.raw_reward[0, 1] = 2.0
    r.bond_partner[0, 0, 0], r.bond_until[0, 0, 0] = 1, 11  # live
    r.bond_partner[0, 2, 0], r.bond_until[0, 2, 0] = 1, 10  # expired this tick
    run(kinship.KERNELS["kinship"], world, tab, level)
    assert (
        r.reward[0, 0] == pytest.approx(0.5) and r.reward[0, 2] == 0 and r.reward[0, 1] == pytest.approx(2.0)
    )
