import msgspec
import numpy as np
import pytest

from engine.ecs import Authoring, ComponentError, ComponentSpec, World, component


@component(r=np.int32, c=np.int32)
class Position(msgspec.Struct):
    r: int = 0
    c: int = 0


@component(items=(np.uint16, "num_resources"), cap=np.uint16)
class Inventory(msgspec.Struct):
    items: list[int] = []
    cap: int = 50


@component(hp=np.uint8)
class Health(msgspec.Struct):
    hp: int = 30


def make_world(num_worlds=2, capacity=8):
    return World(num_worlds, capacity, [Position, Inventory, Health], dims={"num_resources": 3})


def test_declared_arrays_have_dtype_and_shape():
    w = make_world()
    assert w["position"].r.dtype == np.int32 and w["position"].r.shape == (2, 8)
    assert w["inventory"].items.dtype == np.uint16 and w["inventory"].items.shape == (2, 8, 3)
    assert w["health"].hp.dtype == np.uint8
    assert w["position"].has.shape == (2, 8)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"x": object}, "not a fixed-size numeric dtype"),
        ({"x": "not-a-dtype"}, "not a numpy dtype"),
        ({"x": (np.int32, 0)}, "positive ints"),
        ({}, "declares no fields"),
    ],
)
def test_bad_declarations_are_named(fields, message):
    with pytest.raises(ComponentError, match=message):
        ComponentSpec.declare("thing", **fields)


def test_struct_must_carry_every_packed_field():
    with pytest.raises(ComponentError, match="lacks field"):
        component(z=np.int32)(Position.__class__("Other", (msgspec.Struct,), {"__annotations__": {"r": int}}))


def test_missing_dimension_is_explained():
    with pytest.raises(ComponentError, match="num_resources"):
        World(1, 4, [Inventory])


def test_unknown_component_name_and_type():
    w = World(1, 4, [Position])
    with pytest.raises(ComponentError, match="unknown component 'velocity'"):
        w["velocity"]
    with pytest.raises(ComponentError, match="Health"):
        w.spawn(0, Health())

    class Plain(msgspec.Struct):
        a: int = 0

    with pytest.raises(ComponentError, match="not declared"):
        w.spawn(0, Plain())


def test_spawn_is_deferred_until_flush():
    w = make_world()
    e = w.spawn(1, Position(3, 4), Health(7))
    assert not w.alive[1, e.row] and w["position"].r[1, e.row] == 0
    assert w.pending == (1, 0)
    assert w.flush() == (1, 0)
    assert w.is_alive(e)
    assert (w["position"].r[1, e.row], w["position"].c[1, e.row], w["health"].hp[1, e.row]) == (3, 4, 7)
    assert w["health"].has[1, e.row] and not w["inventory"].has[1, e.row]
    assert not w.alive[0].any()


def test_free_rows_follow_arrays_written_directly():
    """A snapshot restored by writing the arrays (the viewer's step back) leaves the free list
    stale; after sync_free_rows, spawn takes the lowest row that `alive` says is free."""
    w = make_world(1, 4)
    for r in range(3):
        w.spawn(0, Position(r, r))
    w.flush()  # rows 0, 1, 2 alive
    w.alive[0] = [True, False, True, False]  # as a restored snapshot has it
    w.sync_free_rows(0)
    assert w.spawn(0, Position()).row == 1 and w.spawn(0, Position()).row == 3
    w.flush()
    with pytest.raises(ComponentError, match="full"):
        w.spawn(0, Position())


def test_despawn_is_deferred_and_generations_catch_stale_handles():
    w = make_world(1, 2)
    a = w.spawn(0, Position(1, 1))
    w.flush()
    w.despawn(a)
    assert w.is_alive(a)  # still there until the tick boundary
    w.flush()
    assert not w.is_alive(a) and w["position"].r[0, a.row] == 0 and not w["position"].has[0, a.row]
    b = w.spawn(0, Position(2, 2))
    w.flush()
    assert b.row == a.row and b.generation == a.generation + 1
    assert not w.is_alive(a) and w.is_alive(b)
    with pytest.raises(ComponentError, match="not alive"):
        w.despawn(a)


def test_full_world_says_so():
    w = make_world(1, 1)
    w.spawn(0, Position())
    with pytest.raises(ComponentError, match="full"):
        w.spawn(0, Position())


def test_array_field_shape_is_checked():
    w = make_world(1, 2)
    with pytest.raises(ComponentError, match="expected shape"):
        w.set(0, 0, Inventory(items=[1, 2]))


def test_bake_unbake_round_trip():
    auth = Authoring(num_worlds=2)
    ents = [
        auth.create(Position(1, 2), Inventory([1, 0, 5], 20), world=0),
        auth.create(Position(3, 4), Health(9), world=1),
        auth.create(Position(5, 6), Inventory([0, 7, 0], 50), Health(30), world=1),
    ]
    world, rows = auth.bake(capacity=4, dims={"num_resources": 3}, components=[Position, Inventory, Health])
    assert rows[ents[0]] == (0, 0) and rows[ents[1]] == (1, 0) and rows[ents[2]] == (1, 1)
    for ent in ents:
        w, r = rows[ent]
        original = sorted(auth.components(ent), key=lambda c: type(c).__name__)
        back = sorted(world.unbake(w, r), key=lambda c: type(c).__name__)
        assert back == original
    info = world.inspect(1, 1)
    assert info["position"] == {"r": 5, "c": 6} and info["inventory"]["items"] == [0, 7, 0]
    assert "inventory" not in world.inspect(1, 0)
    auth.close()


def test_bake_respects_capacity():
    auth = Authoring()
    for _ in range(3):
        auth.create(Position())
    with pytest.raises(ComponentError, match="exceed capacity"):
        auth.bake(capacity=2)


def test_authoring_does_not_leak_into_the_default_esper_world():
    import esper

    before = esper.current_world
    auth = Authoring()
    auth.create(Position(1, 1))
    assert esper.current_world == before
    assert auth.query(Position)[0][1] == Position(1, 1)


def test_resources_and_per_world_state():
    w = make_world(3, 2)
    assert w.resources.rng.shape == (3,) and len(set(w.resources.rng.tolist())) == 3
    w.resources.add("episode_tick", np.zeros(3, np.int32), per_world=True)
    w.resources.add("max_steps", 1000)
    with pytest.raises(ComponentError, match="first axis"):
        w.resources.add("bad", np.zeros(2), per_world=True)
    with pytest.raises(AttributeError, match="no resource"):
        w.resources.nothing
    view = w.resources.episode_tick
    w.resources.episode_tick = 5  # per-world resources are written in place
    assert view.tolist() == [5, 5, 5]


def test_copy_world_and_state_hash():
    a = make_world(2, 4)
    b = World(2, 4, [Position, Inventory, Health], dims={"num_resources": 3}, seed=99)
    a.spawn(0, Position(1, 2))
    a.flush()
    assert a.state_hash([0]) != b.state_hash([0])
    b.copy_world(0, a, 0)
    assert a.state_hash([0]) != b.state_hash([0])  # rng streams differ by design...
    b.resources.rng[0] = a.resources.rng[0]
    assert a.state_hash([0]) == b.state_hash([0])  # ...and everything else was copied
    e = b.spawn(0, Position())
    assert e.row == 1  # the free list was rebuilt from the copied rows


def test_same_seed_same_rng_state_per_world_index():
    big = World(8, 1, [Position], seed=11)
    small = World(1, 1, [Position], seed=11 + 5)
    assert big.resources.rng[5] == small.resources.rng[0]


def test_clone_is_an_equal_world_that_shares_no_array():
    w = World(3, 4, [Position, Health], seed=5)
    w.resources.add("score", np.arange(3), per_world=True)
    w.resources.add("same", w.resources.score)  # one array under two names stays one array
    e = w.spawn(1, Position(2, 3), Health(7))
    w.flush()
    c = w.clone()
    assert c.state_hash() == w.state_hash()
    for name, a in w.state_arrays().items():
        assert not np.shares_memory(a, c.state_arrays()[name]), name
    assert c.resources.same is c.resources.score
    c["health"].hp[1, e.row] = 1  # the copy moves on alone
    assert w["health"].hp[1, e.row] == 7
    assert c.spawn(1, Position()).row == w.spawn(1, Position()).row  # the same free rows
