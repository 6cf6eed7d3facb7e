"""`python -m viewer bench`: frames per second of the viewer on a 100x100 map with hundreds of agents.

The map is the arena's rooms generator with 3x3 rooms of 28x28 and a border of 4 (100x100),
`--agents-per-room` agents per room (40: 360 agents), all acting at random, the simulation at
`--speed` ticks per second, frames uncapped. Reports frames per second and where a frame goes.
"""

from __future__ import annotations

import time

import numpy as np


def big_map_overrides(agents_per_room: int = 40) -> dict:
    return {
        "map": {
            "generator": "rooms",
            "params": {
                "rows": 3,
                "cols": 3,
                "room_height": 28,
                "room_width": 28,
                "border": 4,
                "agents_per_room": agents_per_room,
            },
        }
    }


def bench(args) -> dict:
    import pygame

    import game
    from viewer.app import App
    from viewer.session import Session

    env = game.make_env(args.level, num_worlds=1, seed=0, **big_map_overrides(args.agents_per_room))
    s = Session(env, mode="spectate", level_path=args.level)
    pygame.display.init()
    pygame.font.init()
    w, h = (int(x) for x in args.size.split("x"))
    app = App(s, size=(w, h), speed=args.speed, fps_cap=0)
    if args.tile:
        app.cam.tile = args.tile
    grid = env.world.resources.grid.shape[1:]
    sim, draw, flip = [], [], []
    ticks0 = s.tick
    t_start = time.perf_counter()
    last = t_start
    for _ in range(args.frames):
        now = time.perf_counter()
        dt, last = now - last, now
        pygame.event.pump()
        t0 = time.perf_counter()
        app.update(dt)
        t1 = time.perf_counter()
        app.draw()
        t2 = time.perf_counter()
        pygame.display.flip()
        t3 = time.perf_counter()
        sim.append(t1 - t0), draw.append(t2 - t1), flip.append(t3 - t2)
    total = time.perf_counter() - t_start
    out = {
        "map": f"{grid[0]}x{grid[1]}",
        "agents": env.agents_per_world,
        "tile": app.cam.tile,
        "window": args.size,
        "frames": args.frames,
        "fps": args.frames / total,
        "ticks": s.tick - ticks0,
        "ticks_per_s": (s.tick - ticks0) / total,
        "ms_draw_mean": 1e3 * float(np.mean(draw)),
        "ms_draw_p99": 1e3 * float(np.percentile(draw, 99)),
        "ms_sim_mean": 1e3 * float(np.mean(sim)),
        "ms_flip_mean": 1e3 * float(np.mean(flip)),
        "ms_frame_p99": 1e3 * float(np.percentile(np.add(np.add(sim, draw), flip), 99)),
    }
    for k, v in out.items():
        print(f"{k:14s} {v:.2f}" if isinstance(v, float) else f"{k:14s} {v}")
    pygame.quit()
    return out
