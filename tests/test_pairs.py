"""learn/evaluation/pairs.py: acts between agents counted per opportunity, per ordered pair."""

from __future__ import annotations

import numpy as np
import pytest

import game
from learn.evaluation.coop import EpisodeRecorder
from learn.evaluation.pairs import COUNTS, PairRecorder, pair_rows, rates
from tests.scenario_util import DOWN, DUEL, UP, Scenario, arm_victim


def _counts(rec: PairRecorder, w: int = 0) -> dict[str, np.ndarray]:
    return {n: rec.counts[k, w].copy() for k, n in enumerate(COUNTS)}


def test_an_attack_is_counted_with_its_opportunity_and_a_frozen_target_offers_none():
    s = Scenario(DUEL, combat={"freeze_duration": 3})
    rec = PairRecorder(s.env)
    arm_victim(s)  # agent 1 below agent 0 holds an ore; agent 0 faces down at it, agent 1 up at 0
    c = _counts(rec)
    # side by side, each was within the other's reach on all 3 ticks, whatever its facing
    assert c["attack_opportunities"][1, 0] == 3 and c["attack_opportunities"][0, 1] == 3
    s.step({0: ("attack", 1)})  # argument 1: the cell straight ahead
    c = _counts(rec)
    assert c["attack_opportunities"][0, 1] == 4 and c["attack_opportunities"][1, 0] == 4
    assert c["attacks"][0, 1] == 1 and c["attacks"].sum() == 1
    assert s.stat(0, "attack.kin") + s.stat(0, "attack.non_kin") == 1
    s.step({0: ("attack", 1)})  # agent 1 is frozen now: no opportunity, and the attack does nothing
    c = _counts(rec)
    assert c["attack_opportunities"][0, 1] == 4 and c["attacks"][0, 1] == 1
    assert c["attack_opportunities"][1, 0] == 4, "a frozen actor has no opportunity either"


def test_an_attack_at_an_empty_cell_is_no_act_on_anyone():
    s = Scenario(DUEL)
    rec = PairRecorder(s.env)
    arm_victim(s)
    s.step({0: ("attack", 0)})  # ahead-left: an empty cell, agent 1 stays within reach
    c = _counts(rec)
    assert c["attack_opportunities"][0, 1] == 4 and c["attacks"].sum() == 0


def test_reach_is_the_attack_block_of_any_facing():
    # agent 0 faces up; agent 1 is three cells below it (reach after one turn), agent 2 four cells
    # to the right (beyond any block), agent 3 diagonally beside (in two facings' blocks, counted once)
    s = Scenario("A...A\n.A...\n.....\nA....")
    rec = PairRecorder(s.env)
    s.step()
    c = _counts(rec)["attack_opportunities"]
    pos = {i: s.pos(i) for i in range(4)}
    assert pos[0] == (0, 0) and pos[1] == (0, 4) and pos[2] == (1, 1) and pos[3] == (3, 0)
    assert c[0, 3] == 1, "three cells below: the block of the down facing"
    assert c[0, 1] == 0, "four cells to the right: beyond every block"
    assert c[0, 2] == 1, "diagonal neighbour: counted once though two facings' blocks hold it"


def test_a_gift_needs_something_to_give_and_the_receiver_beside():
    s = Scenario(DUEL)
    rec = PairRecorder(s.env)
    arm_victim(s)  # agent 1 mines its ore on the second tick: it holds it on the third
    ore = s.env.resource_names.index("ore")
    assert _counts(rec)["give_opportunities"][1, 0] == 1
    s.step({0: ("transfer", ore)})  # agent 0 holds nothing: no opportunity, no gift
    c = _counts(rec)
    assert c["give_opportunities"][0, 1] == 0 and c["gifts"].sum() == 0 and c["give_opportunities"][1, 0] == 2
    s.step({1: ("transfer", ore)})
    c = _counts(rec)
    assert c["give_opportunities"][1, 0] == 3 and c["gifts"][1, 0] == 1
    assert s.inv(0, "ore") == 1
    s.step({1: ("rotate", DOWN), 0: ("transfer", ore)})  # agent 0 gives it back while 1 turns away
    c = _counts(rec)
    assert c["gifts"][0, 1] == 1 and c["give_opportunities"][0, 1] == 1
    assert c["give_opportunities"][1, 0] == 3, "agent 1 held nothing when that tick began"
    s.step({0: ("rotate", UP)})
    c = _counts(rec)
    assert c["give_opportunities"][1, 0] == 4, "beside and holding: facing away still counts"
    s.step({1: ("transfer", ore)})  # facing down, away from agent 0: no gift
    assert _counts(rec)["gifts"][1, 0] == 1 and s.inv(1, "ore") == 1


def test_an_act_the_level_does_not_enable_has_no_opportunity():
    env = game.make_env("hamilton.toml", num_worlds=2, seed=0, max_steps=20)  # no attack action
    rec = PairRecorder(env)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(20):
        env.step(
            np.stack(
                [rng.integers(0, len(env.action_names), env.num_agents), np.zeros(env.num_agents, int)], 1
            ).astype(np.int32)
        )
    assert rec.counts[0].sum() == 0  # attack opportunities


def test_pair_counts_agree_with_the_kernels_own_counters_under_random_play():
    """Every act the kernels count is one pair count, and no act happens without its opportunity."""
    env = game.make_env(
        "kinship_teams.toml",
        num_worlds=3,
        seed=4,
        max_steps=60,
        actions={"attack": {"cost": 0}},
        combat={"freeze_duration": 2},
    )
    rec = EpisodeRecorder(env)
    env.reset()
    env.world["inventory"].items[:, : env.agents_per_world, env.resource_names.index("ore")] = 5  # to give
    rng = np.random.default_rng(1)
    nvec = env.single_action_space.nvec
    ids = {n: i for i, n in enumerate(env.action_names)}
    for _ in range(60):
        a = np.stack([rng.integers(0, nvec[0], env.num_agents), rng.integers(0, nvec[1], env.num_agents)], 1)
        give = rng.random(env.num_agents) < 0.3  # random play gives too rarely to test on its own
        a[give] = (ids["transfer"], 0)
        env.step(a.astype(np.int32))
    assert len(rec.records) == 3
    idx = {n: i for i, n in enumerate(env.stat_names)}
    attacks = gifts = 0
    for r in rec.records:
        p, S = r["pairs"], r["stats"]
        assert (p["attacks"] <= p["attack_opportunities"]).all() and (
            p["gifts"] <= p["give_opportunities"]
        ).all()
        assert np.trace(p["attack_opportunities"]) == 0 and np.trace(p["give_opportunities"]) == 0
        assert p["attacks"].sum() == S[:, idx["attack.kin"]].sum() + S[:, idx["attack.non_kin"]].sum()
        assert p["gifts"].sum() == S[:, idx["given.kin"]].sum() + S[:, idx["given.non_kin"]].sum()
        kin = r["kinship"] > 0
        assert p["attacks"][kin & ~np.eye(len(kin), dtype=bool)].sum() == S[:, idx["attack.kin"]].sum()
        attacks += p["attacks"].sum()
        gifts += p["gifts"].sum()
    assert attacks > 0 and gifts > 0, "the test must see both acts"


def test_rates_split_kin_and_groups_independently():
    K = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
    groups = np.array([0, 1, 1])
    z = np.zeros((3, 3), np.int64)
    counts = {n: z.copy() for n in COUNTS}
    counts["attack_opportunities"][0, 1] = 4  # kin, other group
    counts["attacks"][0, 1] = 1
    counts["attack_opportunities"][1, 2] = 2  # non-kin, same group
    counts["attacks"][1, 2] = 2
    r = rates(K, groups, counts)
    assert r["attack_rate_kin"] == 0.25 and r["attack_rate_non_kin"] == 1.0
    assert r["attack_rate_same_group"] == 1.0 and r["attack_rate_other_group"] == 0.25
    assert r["give_rate_kin"] is None
    rows = pair_rows(K, groups, counts)
    assert len(rows) == 6
    row = next(x for x in rows if (x["actor"], x["target"]) == (0, 1))
    assert row["relatedness"] == 0.5 and not row["same_group"] and row["attacks"] == 1


def test_every_episodes_relatedness_is_recorded_and_reproducible():
    """With r drawn per episode, each episode's pair rows carry the K it was played at: the draw of
    its world's seed, the same in a second run."""
    from game.load.level import load_level
    from game.state.kinship import random_matrix
    from learn.evaluation.baselines import RandomPolicy
    from learn.evaluation.suites import SuiteLevel, run_entry

    kin = {"kinship": {"mode": "random", "draw": "episode", "low": 0.0, "high": 1.0}}
    entry = SuiteLevel("h", "hamilton.toml", 40, 4, overrides=kin)
    runs = [run_entry(RandomPolicy(0), entry, max_steps=30) for _ in range(2)]
    level = load_level("hamilton.toml", kin)
    seen = []
    for ep in runs[0]:
        K = random_matrix(level, 2, ep["seed"])
        rows = {(p["actor"], p["target"]): p["relatedness"] for p in ep["pairs"]}
        assert rows[(0, 1)] == pytest.approx(K[0, 1], abs=1e-6) and rows[(1, 0)] == pytest.approx(
            K[1, 0], abs=1e-6
        )
        seen.append(rows[(0, 1)])
    assert len(set(seen)) == 4, "each episode its own draw"
    assert [p for ep in runs[1] for p in ep["pairs"]] == [p for ep in runs[0] for p in ep["pairs"]]


def test_an_agent_that_cannot_pay_for_the_act_has_no_opportunity():
    """Hamilton's receiver has no energy (transfer costs it 1): whatever it holds, it never has a
    give opportunity; kin_aggression's attacker has none before it holds a laser to spend, and none after
    tick 1, when its energy is spent."""
    env = game.make_env("hamilton.toml", num_worlds=1, seed=0, max_steps=50)
    rec = PairRecorder(env)
    env.reset()
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    plan = ["use", "rotate_right", "transfer_ore", "rotate_up"] * 10
    for a in plan:
        env.step(np.stack([fa[names.index(a)], fa[names.index("transfer_ore")]]).astype(np.int32))
    c = _counts(rec)
    assert c["gifts"][0, 1] > 0 and c["give_opportunities"][0, 1] > 0
    assert c["give_opportunities"][1, 0] == 0 and c["gifts"][1, 0] == 0, (
        "the receiver holds ore but cannot pay"
    )

    def kin_aggression(plan):
        env = game.make_env("kin_aggression.toml", num_worlds=1, seed=0)
        rec = PairRecorder(env)
        env.reset()
        names, fa = env.flat_action_names, np.asarray(env.flat_actions)
        for a, v in plan:
            env.step(np.stack([fa[names.index(a)], fa[names.index(v)]]).astype(np.int32))
        return rec.counts

    c = kin_aggression([("attack_2", "use")])
    assert c[0, 0, 0, 1] == 0 and c[1].sum() == 0, "no laser yet: no opportunity, no attack"
    c = kin_aggression([("use", "use"), ("noop", "noop"), ("attack_2", "noop"), ("use", "noop")])
    assert c[0, 0, 0, 1] == 1, "a laser in hand on tick 1, the energy for a strike on tick 1 only"
    assert c[1].sum() == 0, "the strike on tick 2 has no energy"
