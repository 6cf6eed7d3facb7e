#!/usr/bin/env python3
"""Stepping throughput of the C++ `mettagrid` package (PyPI), as a reference point.

Run it with the separate venv's interpreter, never the project's (see mettagrid.md):

    .venv-mettagrid/bin/python benchmarks/mettagrid_baseline.py [--seconds 3] [--agents 24] [--rooms 1]

Prints exactly one JSON line on stdout, so a comparison script can read it with
`json.loads(proc.stdout)`. Imports nothing from this project on purpose: the
number must come from mettagrid alone.
"""

import os

# Pin thread pools before numpy/mettagrid load them, so the figure is a
# single-core one like ours (the box has 2 cores and CI shares them).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402

import numpy as np  # noqa: E402
from mettagrid.builder.envs import make_arena  # noqa: E402
from mettagrid.mapgen.mapgen import MapGen  # noqa: E402
from mettagrid.mapgen.scenes.random import Random  # noqa: E402
from mettagrid.simulator import Simulator  # noqa: E402

ROOM = 25  # inner room side, as in mettagrid's own make_arena()
WALL_BLOCKS = 10  # random wall cells per room, as in make_arena()
ACTION_POOL = 4096  # rows of pre-drawn actions, cycled; power of two for a cheap mask


def build_sim(agents: int, rooms: int, seed: int):
    # make_arena(combat=False) is mettagrid's stock arena minus fighting:
    # walls only, actions noop + 4 moves. We only swap in our room layout and
    # the 11x11 window, and drop the episode cap so no reset lands in the timing.
    if agents % rooms:
        raise SystemExit(f"--agents ({agents}) must be divisible by --rooms ({rooms})")
    cfg = make_arena(agents, combat=False)
    cfg.game.map_builder = MapGen.Config(
        width=ROOM,
        height=ROOM,
        border_width=6,
        instances=rooms,
        instance_border_width=5,
        instance=Random.Config(agents=agents // rooms, objects={"wall": WALL_BLOCKS}),
        seed=seed,
    )
    cfg.game.obs.width = cfg.game.obs.height = 11
    cfg.game.max_steps = 0  # 0 = no limit
    return Simulator().new_simulation(cfg, seed=seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="timed stepping, after warm-up")
    ap.add_argument("--agents", type=int, default=24)
    ap.add_argument("--rooms", type=int, default=1, help="25x25 rooms, agents split evenly")
    ap.add_argument("--warmup", type=int, default=500, help="untimed steps first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--api",
        choices=("core", "sim"),
        default="core",
        help="core: the C++ step alone, as a vectorised trainer drives it; "
        "sim: mettagrid's Python Simulation.step() wrapper on top",
    )
    args = ap.parse_args()

    # One core, even if the OS would migrate us: the comparison is per core.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    sim = build_sim(args.agents, args.rooms, args.seed)
    core = sim._c_sim  # the pybind MettaGrid object; Simulation has no public step-with-actions
    n_agents = sim.num_agents
    n_actions = len(sim.action_names)

    # Drawn up front so the RNG is not timed; the engine sees the same stream every run.
    rng = np.random.default_rng(args.seed)
    pool = rng.integers(0, n_actions, size=(ACTION_POOL, n_agents), dtype=np.int32)
    act = core.actions()  # a view on the engine's action buffer: writing it is how actions go in
    step = core.step if args.api == "core" else sim.step

    for i in range(args.warmup):
        act[:] = pool[i & (ACTION_POOL - 1)]
        step()

    # Check the clock once per batch, not per step, so it costs nothing measurable.
    batch, steps = 256, 0
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    while True:
        for _ in range(batch):
            act[:] = pool[steps & (ACTION_POOL - 1)]
            step()
            steps += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    seconds = now - t0

    # Guard against a silent no-op run (e.g. actions not reaching the engine).
    assert core.current_step == args.warmup + steps, (core.current_step, steps)

    print(
        json.dumps(
            {
                "mettagrid_version": version("mettagrid"),
                "agents": n_agents,
                "obs_shape": list(core.observations().shape[1:]),
                "steps": steps,
                "seconds": round(seconds, 4),
                "agent_steps_per_s": round(steps * n_agents / seconds, 1),
                "config": (
                    f"make_arena(combat=False): {args.rooms} room(s) {ROOM}x{ROOM}, "
                    f"{WALL_BLOCKS} wall blocks/room, border walls, "
                    f"obs {core.obs_width}x{core.obs_height} token obs, "
                    f"{n_actions} actions ({','.join(sim.action_names)}), uniform random; "
                    f"api={args.api}, 1 core, no resets"
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
