"""Game signals reach Python listeners through the env, and cost nothing unheard."""

from tests.scenario_util import DOWN, UP, Scenario


def test_freeze_destroy_bond_and_episode_end_are_signalled():
    s = Scenario(
        """
A.
A#
.m
""",
        max_steps=6,
        buildings={"mine": {"hp": 5}},
        combat={"damage": 5},
    )
    got = []
    for name in ("agent_frozen", "building_destroyed", "bond_formed", "episode_end"):
        s.env.on(name, lambda w, e, v, name=name: got.append((name, w, e, v)))
    # agent 0 faces down at agent 1 (below it) and hits it
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    assert got == [("agent_frozen", 0, 1, 0)]
    s.idle(4)  # the sixth tick ends the episode
    assert got[-1] == ("episode_end", 0, -1, 6)


def test_bond_and_building_signals():
    s = Scenario(
        """
A.m
A..
""",
        mate={"window": 3},
        buildings={"mine": {"hp": 5}},
        combat={"damage": 5},
    )
    got = []
    s.env.on("bond_formed", lambda w, e, v: got.append(("bond", e, v)))
    s.env.on("building_destroyed", lambda w, e, v: got.append(("destroyed", e, v)))
    s.step({0: ("rotate", DOWN), 1: ("rotate", UP)})
    s.step({0: ("mate", 0), 1: ("mate", 0)})
    assert got in ([("bond", 0, 1)], [("bond", 1, 0)])  # whichever of the two resolved second
    got.clear()
    mine = int(s.env.world.resources.grid[0, 0, 2])
    s.step({0: ("rotate", 3)})  # face right: the mine is two cells to the right
    s.step({0: ("attack", 4)})  # distance 2, straight ahead
    assert got == [("destroyed", mine, 0)]
    assert s.env.world["building"].kind[0, mine] == -1


def test_unheard_signals_are_not_buffered():
    s = Scenario("""
A.
A#
""")
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    assert s.env.world["agent"].frozen[0, 1] > 0  # the freeze happened...
    assert s.env.signals.count[0] == 0 and not s.env.signals.enabled.any()  # ...and nothing was buffered
