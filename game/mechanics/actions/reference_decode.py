from engine.rng import permutation
from game.rules.constants import ACTION_STATS, STAT_BAD_ARG, STAT_NO_ENERGY, Misc


def decode(
    actions,
    t_action_code,
    t_arg_count,
    t_cost,
    agent_group,
    agent_profile,
    agent_energy,
    active,
    intent,
    success,
    last_action,
    raw_reward,
    stats,
    rng,
    order,
    stat_misc,
    profiles,
):
    W, A = active.shape
    for w in range(W):
        order[w] = permutation(rng[w : w + 1].reshape(()), A)
        for a in range(A):
            success[w, a] = 0
            raw_reward[w, a] = 0
            last_action[w, a] = actions[w, a, 0]
            if not active[w, a]:
                continue
            code = int(t_action_code[actions[w, a, 0]])
            arg = int(actions[w, a, 1])
            intent[w, a] = (-1, arg)
            active[w, a] = 0
            if not 0 <= arg < t_arg_count[code]:
                stats[w, a, STAT_BAD_ARG] += 1
                continue
            cost = int(t_cost[agent_group[w, a] * profiles + agent_profile[w, a], code])
            if cost > agent_energy[w, a]:
                stats[w, a, STAT_NO_ENERGY] += 1
                continue
            agent_energy[w, a] -= cost
            stats[w, a, stat_misc + Misc.ENERGY_SPENT] += cost
            intent[w, a, 0] = code
            active[w, a] = 1
            if code == 0:  # noop
                success[w, a] = 1


def tally(intent, success, stats):
    W, A = success.shape
    for w in range(W):
        for a in range(A):
            code = intent[w, a, 0]
            if code >= 0:
                stats[w, a, ACTION_STATS * code + (0 if success[w, a] else 1)] += 1
