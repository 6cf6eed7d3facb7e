"""Plain-Python reference for game/mechanics/energy/energy.pyx: the spec, written for clarity."""


def energy(agent_energy, agent_shield, agent_group, agent_profile, active, t_upkeep, shield_upkeep, profiles):
    nw, A = active.shape  # agents are rows 0..A-1
    for w in range(nw):
        for a in range(A):
            e = int(agent_energy[w, a]) - int(t_upkeep[agent_group[w, a] * profiles + agent_profile[w, a]])
            if agent_shield[w, a]:
                e -= shield_upkeep
            if e <= 0:
                e = 0
                agent_shield[w, a] = 0
            agent_energy[w, a] = e
