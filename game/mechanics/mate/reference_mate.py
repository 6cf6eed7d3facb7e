"""Plain-Python reference for game/mechanics/mate/mate.pyx (docs/game_systems.md item 10)."""

from game.rules.constants import Act, Misc, Signal
from game.mechanics.combat.reference_combat import emit
from game.mechanics.interact.reference_interact import front


def mate(
    grid,
    position_r,
    position_c,
    agent_orientation,
    agent_energy,
    intent,
    order,
    success,
    stats,
    proposal,
    proposal_tick,
    bond_partner,
    bond_until,
    episode_tick,
    signal_buffer,
    signal_count,
    signal_enabled,
    mate_window,
    mate_cost,
    mate_duration,
    stat_misc,
):
    A = intent.shape[1]
    for w in range(grid.shape[0]):
        tick = int(episode_tick[w])

        def live_bond(x, y):
            slots = range(bond_partner.shape[2])
            return any(bond_partner[w, x, k] == y and bond_until[w, x, k] > tick for k in slots)

        def free_slot(x):
            free = [k for k in range(bond_until.shape[2]) if bond_until[w, x, k] <= tick]
            return free[0] if free else None

        for a in order[w]:
            if intent[w, a, 0] != Act.MATE:
                continue
            b = front(grid, position_r, position_c, agent_orientation, w, a)
            success[w, a] = 0 <= b < A
            if not success[w, a]:
                continue
            proposal[w, a], proposal_tick[w, a] = b, tick
            mutual = proposal[w, b] == a and tick - proposal_tick[w, b] < mate_window
            if not mutual or live_bond(a, b) or live_bond(b, a):
                continue
            sa, sb = free_slot(a), free_slot(b)
            if sa is None or sb is None or min(agent_energy[w, a], agent_energy[w, b]) < mate_cost:
                continue
            for x, y, s in ((a, b, sa), (b, a, sb)):
                agent_energy[w, x] -= mate_cost
                bond_partner[w, x, s] = y
                bond_until[w, x, s] = tick + mate_duration
                proposal[w, x] = -1
                stats[w, x, stat_misc + Misc.BONDS_FORMED] += 1
            emit(signal_buffer, signal_count, signal_enabled, Signal.BOND_FORMED, w, a, b)
