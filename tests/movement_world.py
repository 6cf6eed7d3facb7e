"""A small random world of agents and walls for the movement tests and the engine's own (not a test
module; it uses the engine alone: tests/test_engine_alone.py runs it without game/)."""

import msgspec
import numpy as np

from engine import World, component
from engine.rng import permutation


@component(r=np.int32, c=np.int32)
class Position(msgspec.Struct):
    r: int = 0
    c: int = 0


@component(orientation=np.uint8)
class Mover(msgspec.Struct):
    orientation: int = 0


def random_world(num_worlds, agents, height, width, walls, seed):
    """Agents in rows 0..agents-1 of each world, then walls; all placed at random free cells."""
    rng = np.random.default_rng(seed)
    world = World(num_worlds, agents + walls, [Position, Mover], seed=seed)
    grid = np.full((num_worlds, height, width), -1, dtype=np.int32)
    for w in range(num_worlds):
        cells = rng.choice(height * width, size=agents + walls, replace=False)
        for row, cell in enumerate(cells):
            r, c = divmod(int(cell), width)
            parts = [Position(r, c)]
            if row < agents:
                parts.append(Mover(orientation=int(rng.integers(4))))
            world.spawn(w, *parts)
            grid[w, r, c] = row
    world.flush()
    world.resources.add("grid", grid, per_world=True)
    world.resources.add("actions", np.zeros((num_worlds, agents, 2), np.int32), per_world=True)
    world.resources.add("order", np.zeros((num_worlds, agents), np.int32), per_world=True)
    # which agents may act this tick (the game's decode step decides; here 90% at random)
    world.resources.add("active", (rng.random((num_worlds, agents)) < 0.9).astype(np.uint8), per_world=True)
    world.resources.add("success", np.zeros((num_worlds, agents), np.uint8), per_world=True)
    return world


def random_actions(world, rng):
    """Random (action, arg) pairs including out-of-range arguments and other action ids."""
    acts = world.resources.actions
    acts[..., 0] = rng.integers(0, 4, size=acts.shape[:2])
    acts[..., 1] = rng.integers(-1, 5, size=acts.shape[:2])


def draw_order_reference(world):
    """Per-world random agent order from the world's own RNG state, in numpy."""
    order, rng = world.resources.order, world.resources.rng
    for w in range(world.num_worlds):
        state = rng[w : w + 1].reshape(())  # a view: the permutation advances the world's state
        order[w] = permutation(state, order.shape[1])
