"""`python -m game new NAME`: a commented level template (it must always load: a test checks)."""

from __future__ import annotations

TEMPLATE = '''\
# {name}: one line saying what this level is.
# Tests: what behaviour this level is meant to show or measure.
# Actions: all ten (noop, move, rotate, use, attack, shield, transfer, swap, color, mate).
# Rewards: what pays (resource rewards, building rewards, kinship).
# Termination: none; episodes are truncated after max_steps ticks.
#
# Everything not written here comes from the defaults (game/rules/defaults.py) or from a base level.
# The full reference is docs/levels.md; check this file with `python -m game validate {file}`
# and look at it with `python -m game render {file} -o {name}.png`.

# base = "arena.toml"      # inherit another level and override only what differs
name = "{name}"
description = "a new level"
max_steps = 500             # ticks per episode

# Resources keep the defaults (ore, battery, heart, armor, laser, blueprint) so that one policy
# runs on every level; change what they are worth here.
[resources.heart]
reward = 1.0                # reward per heart held
# reward_max = -1.0         # cap of this resource's reward; negative = uncapped

# Buildings: recipes. Every default building exists (mine, generator, charger, altar, ...).
[buildings.altar]
inputs = {{ battery = 3 }}    # resources taken per use (set a count to 0 to drop it)
input_energy = 10
outputs = {{ heart = 1 }}
cooldown = 10

# Actions: energy cost and resolution priority (lower first).
# [actions.attack]
# cost = 10

# Agent groups: each a body (energy profile and its own action costs).
[groups.red]
start_energy = 100
max_energy = 255
upkeep = 0                  # energy lost every tick
# costs = {{ move = 2 }}      # per-action cost overrides for this group

[groups.blue]

# Kinship: none, teams, clans, random or matrix.
[kinship]
mode = "teams"
share = 0.5

# [combat]
# consume_laser = true      # attacks need and use a laser

# [mate]
# share = 0.5               # kinship added between bonded partners

[obs]
window = 11                 # odd; keep 11 to share the policy's observation space

# The map: a generator (rooms, scatter, maze, compose) or an ASCII map with a legend, e.g.
#   ascii = """
#   #######
#   #A.m.B#
#   #######
#   """
#   legend = {{ B = "agent.blue" }}   # '#' wall, '.' empty, 'A' first group, building letters
[map]
generator = "scatter"
fixed = true                # false: a fresh map every episode
# seed = 7                  # a fixed map for every world (default: drawn from the env seed)

[map.params]
height = 20
width = 20
wall_density = 0.1
agents = 6
objects = {{ mine = 6, generator = 3, altar = 3, charger = 1 }}
'''
