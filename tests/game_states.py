"""Random game states for the kernels' differential tests (not a test module).

`random_state(seed)` builds a real World of a small random level (two rooms, two groups, every
building type) and then scrambles every field within its legal range, so kernels meet frozen,
shielded, broke, full and cooling-down agents and buildings on every call.
"""

from __future__ import annotations

import numpy as np

from game.systems.binding import resolve, scalars
from game.rules.constants import NUM_CODES
from game.load.level import decode
from game.state.world import build, scratch_arrays, tables

BUILDINGS = [
    "mine",
    "generator",
    "charger",
    "altar",
    "armory",
    "lasery",
    "lab",
    "factory",
    "temple",
    "block",
    "wall",
]


def random_level(rng: np.random.Generator, **over):
    objects = {b: int(rng.integers(1, 3)) for b in BUILDINGS}
    raw = {
        "max_steps": 50,
        "groups": {
            "red": {
                "max_energy": 200,
                "profiles": {
                    "calm": {"upkeep": 0, "max_energy": 120, "costs": {"move": 3}},
                    "rage": {"upkeep": 3, "costs": {"attack": 2}},
                },
            },
            "blue": {"start_energy": 50, "upkeep": 1, "profiles": {"tired": {"max_energy": 30}}},
        },
        "actions": {"profile": {"enabled": True}, "build": {"enabled": True}},
        "build": {"buildings": ["wall", "block", "mine"], "capacity": 3},
        "buildings": {
            "wall": {"hp": int(rng.integers(0, 2)) * 20, "build_cost": {"ore": 1}},
            "mine": {"max_stock": 3, "regen": 4, "build_cost": {"ore": 2, "battery": 1}},
        },
        "combat": {"consume_laser": bool(rng.integers(2)), "damage": 7},
        "kinship": {"mode": "teams", "share": 0.5},
        "map": {
            "generator": "rooms",
            "fixed": True,
            "params": {
                "rows": 1,
                "cols": 2,
                "room_height": 7,
                "room_width": 8,
                "border": 1,
                "agents_per_room": 5,
                "objects": objects,
            },
        },
    }
    from game.load.level import merge

    return decode(merge(raw, over), "random.toml")


def scramble(world, tab, rng: np.random.Generator) -> None:
    """Put every per-world field into a random legal value."""
    A = world.resources.num_agents
    ag, inv, b = world["agent"], world["inventory"], world["building"]
    W = world.num_worlds
    group = ag.group[:, :A]
    ag.profile[:, :A] = rng.integers(0, tab.profile_count[group])
    ag.max_energy[:, :A] = tab.max_energy[group * tab.body_rows + ag.profile[:, :A]]
    ag.energy[:, :A] = rng.integers(0, ag.max_energy[:, :A] + 1)
    ag.frozen[:, :A] = np.where(rng.random((W, A)) < 0.3, rng.integers(1, 5, (W, A)), 0)
    ag.shield[:, :A] = rng.random((W, A)) < 0.3
    ag.orientation[:, :A] = rng.integers(0, 4, (W, A))
    ag.color[:, :A] = rng.integers(0, 256, (W, A))
    R = len(tab.resource_names)
    items = rng.integers(0, 6, (W, A, R)) * (rng.random((W, A, R)) < 0.6)
    inv.items[:, :A] = np.minimum(items, tab.res_max)
    objs = world["building"].has
    b.cooldown[...] = np.where(objs & (rng.random(objs.shape) < 0.3), rng.integers(1, 4, objs.shape), 0)
    limited = tab.b_max_stock[np.maximum(b.kind, 0)] >= 0
    b.stock[...] = np.where(objs & limited, rng.integers(0, 4, objs.shape), b.stock)
    b.regen_timer[...] = np.where(objs, rng.integers(0, 3, objs.shape), 0)
    r = world.resources
    r.intent[..., 0] = rng.integers(-1, NUM_CODES, (W, A))
    r.intent[..., 1] = rng.integers(-1, 10, (W, A))
    r.active[...] = r.intent[..., 0] >= 0
    r.order[...] = np.stack([rng.permutation(A) for _ in range(W)]).astype(np.int32)
    r.episode_tick[...] = rng.integers(0, 40, W)
    r.raw_reward[...] = rng.normal(size=(W, A)) * (rng.random((W, A)) < 0.3)
    r.held[...] = rng.random((W, A))
    r.proposal[...] = np.where(rng.random((W, A)) < 0.3, rng.integers(0, A, (W, A)), -1)
    r.proposal_tick[...] = rng.integers(0, 40, (W, A))
    mb = r.bond_partner.shape[2]
    live = rng.random((W, A, mb)) < 0.2
    r.bond_partner[...] = np.where(live, rng.integers(0, A, (W, A, mb)), -1)
    r.bond_until[...] = np.where(live, rng.integers(0, 60, (W, A, mb)), 0)
    r.stats[...] = rng.integers(0, 3, r.stats.shape)


def random_state(seed: int, num_worlds: int = 3, **over):
    """Returns (world, tables, level) of a scrambled random state; same seed, same state."""
    rng = np.random.default_rng(seed)
    level = random_level(rng, **over)
    world, tab, _ = build(level, num_worlds, seed)
    scramble(world, tab, rng)
    return world, tab, level


def differential(kernel, reference, seed: int, steps: int = 1, **over):
    """Run `kernel` and `reference` on two copies of one random state; compare every array."""
    wa, tab, level = random_state(seed, **over)
    wb, _, _ = random_state(seed, **over)
    extra_a = with_obs(scalars(level, tab), wa, level)
    extra_b = with_obs(scalars(level, tab), wb, level)
    for step in range(steps):
        kernel(**resolve(kernel, wa, tab, extra_a))
        reference(**resolve(kernel, wb, tab, extra_b))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            np.testing.assert_array_equal(
                a[name], b[name], err_msg=f"{kernel.name}: '{name}' differs (seed {seed}, step {step})"
            )
        np.testing.assert_array_equal(
            extra_a["obs"], extra_b["obs"], err_msg=f"obs differs (seed {seed}, step {step})"
        )
    return wa


def run_kernel(kernel, world, tab, level, **extra) -> dict:
    """Run `kernel` once on `world` with the env's extras (and `extra`); returns its arguments."""
    args = resolve(kernel, world, tab, {**with_obs(scalars(level, tab), world, level), **extra})
    kernel(**args)
    return args


def with_obs(extra: dict, world, level) -> dict:
    """Kernel extras plus an observation buffer and the kinship scratch, as the env provides."""
    A = world.resources.num_agents
    win = level.obs.window
    C = tables(level).features.count
    return {
        **extra,
        "obs": np.zeros((world.num_worlds, A, win, win, C), np.uint8),
        **scratch_arrays(world, C),
        "actions": np.zeros((world.num_worlds, A, 2), np.int32),
    }
