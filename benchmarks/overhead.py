"""The fixed cost of a step: `env.step`, `Scheduler.tick` and the Pipeline alone, on one small world.

    python benchmarks/overhead.py [--agents-per-room 4 --rows 2 --cols 3] [--rounds 12]

The three are measured in turns (rounds of 5,000 calls each), so a neighbour slows all three
alike, and the third-fastest round of each is printed with the differences: what `env.step`
adds above the tick, and what the tick adds above its kernels. Each call also indexes the
next row of a pre-drawn action array (`acts[i & 255]`), as a training loop would.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.envbench import Stepper, scaled_arena  # noqa: E402


def per_call_ns(fn, n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t0) / n * 1e9


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents-per-room", type=int, default=4)
    ap.add_argument("--rows", type=int, default=2)
    ap.add_argument("--cols", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--calls", type=int, default=5000, help="calls per round")
    args = ap.parse_args(argv)
    s = Stepper("overhead", num_worlds=1, **scaled_arena(args.agents_per_room, args.rows, args.cols))
    env, acts = s.env, s.acts
    runs = env.scheduler.runs()
    if len(runs) != 1 or not isinstance(runs[0], tuple):
        raise SystemExit(
            "this level's tick is not one Pipeline (a Python system is enabled): nothing to compare"
        )
    pipeline = runs[0][0]
    world = env.world
    calls = {
        "env.step": lambda i: env.step(acts[i & 255]),
        "Scheduler.tick": lambda i: (acts[i & 255], env.scheduler.tick()),
        "Pipeline": lambda i: (acts[i & 255], pipeline.run(world.tick)),
    }
    rounds: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(args.rounds):
        for name, fn in calls.items():
            rounds[name].append(per_call_ns(fn, args.calls))
    pick = min(2, args.rounds - 1)
    out = {k: sorted(v)[pick] for k, v in rounds.items()}
    print(
        f"one world of {env.num_agents} agents, {args.rounds} rounds of {args.calls} calls in turns "
        f"(the round ranked {pick + 1} by speed):"
    )
    for name, ns in out.items():
        print(f"  {name:<15} {ns / 1000:7.2f} us   {ns / env.num_agents:6.0f} ns/agent")
    print(
        f"  env.step above the tick: {(out['env.step'] - out['Scheduler.tick']) / 1000:.2f} us; "
        f"the tick above its Pipeline: {(out['Scheduler.tick'] - out['Pipeline']) / 1000:.2f} us"
    )
    return out


if __name__ == "__main__":
    main()
