"""The movement kernel: differential test against the reference, scheduling, determinism."""

import numpy as np
import pytest

from engine import KernelArgumentError, Scheduler
from engine.systems_cy import _build, order
from game.mechanics.movement import movement
from game.rules.constants import Act
from tests.movement_world import draw_order_reference, random_actions, random_world
from game.mechanics.movement import reference_movement as ref

MOVE_KERNEL = movement.KERNELS["move"]
MOVE, ROTATE = int(Act.MOVE), int(Act.ROTATE)  # the kernel reads the game's codes


def kernel_args(world):
    m, p = world["mover"], world["position"]
    return dict(
        grid=world.resources.grid,
        position_r=p.r,
        position_c=p.c,
        agent_orientation=m.orientation,
        intent=world.resources.actions,
        active=world.resources.active,
        order=world.resources.order,
        success=world.resources.success,
    )


def copies(world):
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kernel_args(world).items()}


@pytest.mark.parametrize("seed", range(20))
def test_kernel_matches_reference_on_random_states(seed):
    rng = np.random.default_rng(seed)
    world = random_world(num_worlds=3, agents=12, height=7, width=9, walls=15, seed=seed)
    for step in range(10):
        random_actions(world, rng)
        draw_order_reference(world)
        mine, theirs = copies(world), copies(world)
        MOVE_KERNEL(**mine)
        ref.move_rotate(**theirs)
        for k, v in mine.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(v, theirs[k], err_msg=f"{k} differs at step {step}")
        for k in ("grid", "position_r", "position_c", "agent_orientation", "success"):
            kernel_args(world)[k][...] = mine[k]


def test_moves_respect_walls_agents_and_bounds():
    world = random_world(1, 2, 3, 3, 0, seed=0)
    grid, p, m = world.resources.grid, world["position"], world["mover"]
    # put agent 0 at (0, 0) facing up, agent 1 at (1, 0)
    grid[...] = -1
    p.r[0, :2], p.c[0, :2] = (0, 1), (0, 0)
    grid[0, 0, 0], grid[0, 1, 0] = 0, 1
    m.orientation[0, :2] = 0
    world.resources.active[...] = 1
    world.resources.order[0] = [0, 1]
    acts = world.resources.actions
    acts[0, 0], acts[0, 1] = (MOVE, 0), (MOVE, 1)  # 0 forward out of the map; 1 backward (down)
    MOVE_KERNEL(**kernel_args(world))
    assert (p.r[0, 0], p.c[0, 0]) == (0, 0) and world.resources.success[0, 0] == 0
    assert (p.r[0, 1], p.c[0, 1]) == (2, 0) and world.resources.success[0, 1] == 1
    acts[0, 0] = (MOVE, 1)  # now 0 can step back into the freed cell
    acts[0, 1] = (ROTATE, 3)
    MOVE_KERNEL(**kernel_args(world))
    assert (p.r[0, 0], world.resources.success[0, 0]) == (1, 1) and m.orientation[0, 1] == 3
    assert grid[0, 0, 0] == -1 and grid[0, 1, 0] == 0 and grid[0, 2, 0] == 1


def build_scheduled(seed, num_worlds=4, python_order=False):
    world = random_world(num_worlds, 10, 8, 8, 10, seed=seed)
    sched = Scheduler(world, num_agents=num_worlds * 10)
    rng = np.random.default_rng(seed)

    def decide(w):  # plays the role of the policy: plain numpy, registered like any system
        random_actions(w, rng)

    sched.add("decide", decide, phase="actions", order=-10)
    if python_order:
        sched.add("order", draw_order_reference, phase="actions", order=-5)
    else:
        bound = order.KERNELS["order"].bind(rng=world.resources.rng, order=world.resources.order)
        sched.add("order", lambda w: bound(), phase="actions", order=-5)
    move = MOVE_KERNEL.bind(**kernel_args(world))
    sched.add("move", lambda w: move(), phase="actions")
    return world, sched


def test_determinism_same_seed_identical_arrays_every_tick():
    a, sa = build_scheduled(7)
    b, sb = build_scheduled(7)
    c, sc = build_scheduled(8)
    differed = False
    for t in range(50):
        sa.tick(), sb.tick(), sc.tick()
        assert a.state_hash() == b.state_hash(), f"diverged at tick {t}"
        differed |= a.state_hash() != c.state_hash()
    assert differed


def test_python_system_runs_beside_cython_and_agrees():
    """The same order system, once as numpy and once as Cython, gives identical trajectories."""
    a, sa = build_scheduled(3, python_order=True)
    b, sb = build_scheduled(3, python_order=False)
    for t in range(30):
        sa.tick(), sb.tick()
        assert a.state_hash() == b.state_hash(), f"tick {t}"
    assert set(sa.timings()) == {"decide", "order", "move"}
    assert all(t.calls == 30 for t in sb.timings().values())


def test_no_agent_ever_shares_a_cell():
    world, sched = build_scheduled(5)
    for _ in range(40):
        sched.tick()
        grid, p = world.resources.grid, world["position"]
        for w in range(world.num_worlds):
            occupied = grid[w][grid[w] >= 0]
            assert len(occupied) == len(set(occupied.tolist())) == world.capacity
            rows = np.arange(world.capacity)
            assert (grid[w, p.r[w], p.c[w]] == rows).all()


def test_kernel_boundary_names_the_bad_argument():
    world = random_world(2, 4, 5, 5, 2, seed=1)
    args = kernel_args(world)
    with pytest.raises(KernelArgumentError, match="argument 'position_r' must be a C-contiguous int32 array"):
        MOVE_KERNEL(**{**args, "position_r": args["position_r"].astype(np.int64)})
    with pytest.raises(KernelArgumentError, match="argument 'intent' axis 2 must be 2"):
        MOVE_KERNEL(**{**args, "intent": np.zeros((2, 4, 3), np.int32)})
    with pytest.raises(KernelArgumentError, match="argument 'order' axis 0 must be worlds=2"):
        MOVE_KERNEL(**{**args, "order": np.zeros((3, 4), np.int32)})
    with pytest.raises(KernelArgumentError, match="non-contiguous"):
        MOVE_KERNEL(**{**args, "grid": np.asfortranarray(np.full((2, 5, 5), -1, np.int32))})
    with pytest.raises(KernelArgumentError, match="missing arguments \\['order'\\]"):
        MOVE_KERNEL(**{k: v for k, v in args.items() if k != "order"})
    with pytest.raises(KernelArgumentError, match="got list"):
        MOVE_KERNEL(**{**args, "success": [0, 1]})


@pytest.mark.skipif(not _build.DEBUG, reason="checks are compiled in only with DEBUG=1 (CI's second pass)")
def test_debug_build_catches_out_of_range_indices():
    world = random_world(1, 4, 5, 5, 0, seed=2)
    args = kernel_args(world)
    args["order"][...] = 99  # bypasses the boundary check: a kernel-internal index error
    k = MOVE_KERNEL
    step = k.fn(*[args[a.name] for a in k.args], *[args[s] for s in k.scalars])  # unchecked, as bind would
    with pytest.raises(IndexError):
        step()
