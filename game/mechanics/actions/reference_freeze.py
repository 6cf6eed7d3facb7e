from game.rules.constants import STAT_FROZEN, Misc


def freeze(agent_frozen, active, intent, stats, stat_misc):
    W, A = active.shape
    for w in range(W):
        for a in range(A):
            if agent_frozen[w, a] > 0:
                agent_frozen[w, a] -= 1
                active[w, a] = 0
                intent[w, a, 0] = -1
                stats[w, a, STAT_FROZEN] += 1
                stats[w, a, stat_misc + Misc.FROZEN_TICKS] += 1
            else:
                active[w, a] = 1
