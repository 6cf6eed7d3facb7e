"""game.tools.replay: save/load round trip, clear errors, re-simulation to the recorded state hash."""

import shutil
from pathlib import Path

import numpy as np
import pytest

import game
from game.tools.replay import ReplayError, check_level, load_replay, save_replay, verify_replay

LEVEL = "game/levels/arena.toml"


def _play(level=LEVEL, ticks=40, seed=3, max_steps=30):
    env = game.make_env(level, num_worlds=1, seed=seed, max_steps=max_steps)
    env.reset()
    rng = np.random.default_rng(seed)
    acts = []
    n = len(env.action_names)
    for _ in range(ticks):  # crosses an episode end (the world resets itself)
        a = np.stack([rng.integers(0, n, env.num_agents), rng.integers(0, 4, env.num_agents)], 1).astype(
            np.int32
        )
        env.step(a)
        acts.append(a)
    return env, np.stack(acts)


def test_round_trip_and_verify(tmp_path):
    env, acts = _play()
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30, note="hi")
    assert [x.name for x in tmp_path.iterdir()] == ["r.npz"]  # no temporary file left behind
    rep = load_replay(p)
    assert rep.ticks == 40 and rep.seed == 3 and rep.max_steps == 30 and rep.meta["note"] == "hi"
    assert np.array_equal(rep.actions, acts)
    v = verify_replay(rep)
    assert v.ok and v.actual == env.state_hash([0]) and v.ticks == 40


def test_tampered_hash_or_actions_fail_verification(tmp_path):
    env, acts = _play()
    save_replay(tmp_path / "a.npz", LEVEL, 3, acts, "0" * 32, max_steps=30)
    assert not verify_replay(tmp_path / "a.npz").ok
    acts2 = acts.copy()
    acts2[-1, :] = (2, 3)  # everyone rotates right on the last tick (after the episode reset at 30)
    save_replay(tmp_path / "b.npz", LEVEL, 3, acts2, env.state_hash([0]), max_steps=30)
    v = verify_replay(tmp_path / "b.npz")
    assert not v.ok and v.expected == env.state_hash([0])


def test_missing_corrupt_and_foreign_files(tmp_path):
    with pytest.raises(ReplayError, match="does not exist"):
        load_replay(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(ReplayError, match="corrupt or truncated"):
        load_replay(bad)
    env, acts = _play(ticks=5)
    good = save_replay(tmp_path / "good.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    trunc = tmp_path / "trunc.npz"
    trunc.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ReplayError, match="corrupt or truncated"):
        load_replay(trunc)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(ReplayError, match="missing key"):
        load_replay(other)


def test_other_format_version_is_refused(tmp_path):
    env, acts = _play(ticks=3)
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    z = dict(np.load(p))
    z["version"] = np.array(99)
    np.savez(tmp_path / "v99.npz", **z)
    with pytest.raises(ReplayError, match="format version 99"):
        load_replay(tmp_path / "v99.npz")


def test_replay_of_another_level_version_is_a_clear_error(tmp_path):
    lvl = tmp_path / "mine.toml"
    shutil.copy(LEVEL, lvl)
    env, acts = _play(level=str(lvl), ticks=10)
    p = save_replay(tmp_path / "r.npz", str(lvl), 3, acts, env.state_hash([0]), max_steps=30)
    assert verify_replay(p).ok
    # a comment does not change the level: still fine
    lvl.write_text(lvl.read_text() + "\n# just a comment\n")
    assert verify_replay(p).ok
    # a real edit does
    lvl.write_text(lvl.read_text().replace("mine = 10", "mine = 9"))
    with pytest.raises(ReplayError, match="another version of level"):
        verify_replay(p)
    lvl.unlink()
    with pytest.raises(ReplayError, match="not found"):
        check_level(load_replay(p))


def test_replay_on_a_level_with_other_agents_is_a_clear_error(tmp_path):
    env, acts = _play(ticks=3)
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts[:, :5], "x", max_steps=30)
    with pytest.raises(ReplayError, match="actions for 5 agents"):
        verify_replay(p, check=False)


def test_learn_evaluate_files_still_load(tmp_path):
    """The keys learn/evaluation/evaluate.py writes (no format/version/level hash) load as version 0."""
    env, acts = _play(ticks=30, max_steps=30)
    p = tmp_path / "eval.npz"
    np.savez_compressed(
        p,
        checkpoint="runs/x/ckpt.pt",
        level=LEVEL,
        seed=3,
        actions=acts,
        state_hash=env.state_hash([0]),
        max_steps=30,
        agents_per_world=acts.shape[1],
    )
    rep = load_replay(p)
    assert rep.version == 0 and rep.meta["checkpoint"] == "runs/x/ckpt.pt"
    assert verify_replay(rep).ok


def _traced_play(ticks=30, seed=3, max_steps=30, actions=None):
    """Play `ticks` ticks (the given actions, or random ones) recording the trace as eval does."""
    from game.tools.replay import trace_ticks

    env = game.make_env(LEVEL, num_worlds=1, seed=seed, max_steps=max_steps)
    env.reset()
    rng = np.random.default_rng(seed)
    n = len(env.action_names)
    wanted, trace, acts = set(trace_ticks(ticks)), {}, []
    for t in range(ticks):
        a = (
            actions[t]
            if actions is not None
            else np.stack([rng.integers(0, n, env.num_agents), rng.integers(0, 4, env.num_agents)], 1).astype(
                np.int32
            )
        )
        env.step(a)
        acts.append(a)
        if t + 1 in wanted:
            trace[t + 1] = env.state_hash([0])
    return env, np.stack(acts), trace


def test_an_episode_ending_in_a_reset_is_still_verified_along_its_trajectory(tmp_path):
    """An eval replay is exactly max_steps ticks: its last tick resets the world, so the final
    hash is a fresh world's whatever was played; the trace catches tampered actions anyway."""
    env, acts, trace = _traced_play()
    final = env.state_hash([0])
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, final, trace=trace, max_steps=30)
    v = verify_replay(p)
    assert v.ok and v.traced == len(trace) >= 2 and 29 in load_replay(p).trace
    noops = np.zeros_like(acts)
    env2, _, _ = _traced_play(actions=noops)
    assert env2.state_hash([0]) == final  # the blind spot: 30 noops end in the same fresh world
    for tick in (3, 17, 29):  # tampered early, mid-way, and on the tick before the reset
        bad = acts.copy()
        bad[tick - 1] = (2, (acts[tick - 1, 0, 1] + 1) % 4)  # everyone rotates elsewhere on that tick
        q = save_replay(tmp_path / f"t{tick}.npz", LEVEL, 3, bad, final, trace=trace, max_steps=30)
        v = verify_replay(q)
        assert not v.ok and v.actual == final and v.first_bad_tick is not None and v.first_bad_tick >= tick


def test_a_versioned_replay_without_level_hashes_is_refused(tmp_path):
    env, acts = _play(ticks=5)
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    z = dict(np.load(p))
    for version in (1, 2):
        z["version"] = np.array(version)
        z.pop("level_config_hash", None)
        z.pop("level_sha256", None)
        np.savez(tmp_path / f"v{version}.npz", **z)
        with pytest.raises(ReplayError, match="carries no level hash"):
            verify_replay(tmp_path / f"v{version}.npz")


def test_eval_replays_carry_a_trace_that_verifies(tmp_path):
    from learn.evaluation.evaluate import evaluate

    r = evaluate(None, LEVEL, episodes=1, max_steps=20, run_dir=tmp_path)
    rep = load_replay(r["replay"])
    assert rep.ticks == 20 and {16, 19} <= set(rep.trace)
    assert verify_replay(rep).ok


@pytest.mark.parametrize(
    "col, value, what", [(0, 77, "action id 77"), (1, 9, "argument 9"), (0, -1, "action id -1")]
)
def test_out_of_range_actions_are_refused_in_one_line(tmp_path, capsys, col, value, what):
    """A replay edited to hold an action the level does not have: refused before any tick is run
    (verify and the viewer alike), naming the tick, the agent and the range."""
    env, acts = _play()
    acts = acts.copy()
    acts[5, 2, col] = value
    p = save_replay(tmp_path / "bad.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    with pytest.raises(ReplayError, match=f"tick 5, agent 2: {what} is out of range"):
        verify_replay(p)
    from viewer.cli import main as viewer_main

    assert viewer_main(["replay", str(p), "--verify"]) == 1
    err = capsys.readouterr().err
    assert what in err and err.count("\n") == 1


def test_a_different_level_is_named_as_such_not_as_a_new_version(tmp_path):
    lv = tmp_path / "lv.toml"
    shutil.copy("tests/levels/tiny_harvest.toml", lv)
    env = game.make_env(str(lv), num_worlds=1, seed=0)
    env.reset()
    acts = np.zeros((5, env.agents_per_world, 2), np.int32)
    for a in acts:
        env.step(a)
    p = save_replay(tmp_path / "r.npz", lv, 0, acts, env.state_hash([0]))
    text = lv.read_text()
    lv.write_text(text.replace("cooldown = 4", "cooldown = 5"))  # the same level, edited
    with pytest.raises(ReplayError, match="another version of level"):
        check_level(load_replay(p))
    lv.write_text(text.replace('name = "tiny_harvest"', 'name = "other"'))  # another level in its place
    with pytest.raises(
        ReplayError, match="recorded on level 'tiny_harvest', but .* is now level 'other', another level"
    ):
        check_level(load_replay(p))


OLD = Path(__file__).parent / "data" / "replay_0485bcc"


def test_a_replay_recorded_before_the_mechanics_loads_and_is_refused_saying_why():
    """tests/data/replay_0485bcc: 20 ticks on the arena recorded by game/replay.py at commit
    0485bcc (format "game.replay"), with that day's arena.toml beside it. The module has moved
    since, and the profile and build actions joined the defaults, so the same level file resolves
    to another level: the file loads, and verifying it names the cause instead of an edited level."""
    rep = load_replay(OLD / "arena_0485bcc.npz")
    assert rep.version == 2 and rep.ticks == 20 and rep.level == "arena.toml"
    assert rep.meta["recorded_by"] == "game/replay.py at commit 0485bcc" and len(rep.trace) == 2
    with pytest.raises(
        ReplayError,
        match=r"recorded by an earlier version of the game: its level file "
        r".*replay_0485bcc/arena\.toml is unchanged, but the game's rules",
    ):
        verify_replay(rep)


def test_an_edited_base_level_is_named_beside_the_rules(tmp_path):
    """A level file unchanged on top of an edited base: the message names the base as a cause."""
    (tmp_path / "base.toml").write_text('base = "arena"\nmax_steps = 30\n')
    (tmp_path / "mine.toml").write_text('base = "base.toml"\n')
    env, acts = _play(level=str(tmp_path / "mine.toml"), ticks=5)
    p = save_replay(tmp_path / "r.npz", tmp_path / "mine.toml", 3, acts, env.state_hash([0]), max_steps=30)
    (tmp_path / "base.toml").write_text('base = "arena"\nmax_steps = 40\n')
    with pytest.raises(
        ReplayError, match=r"is unchanged, but the level it builds on \(base\.toml\) or the game's"
    ):
        verify_replay(p)


# ---- issue 36: a failed verification is falsy; corrupt and hand-made files are one line -------------
def test_a_failed_verification_is_falsy(tmp_path):
    env, acts = _play()
    good = save_replay(tmp_path / "good.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    bad = save_replay(tmp_path / "bad.npz", LEVEL, 3, acts, "0" * 32, max_steps=30)
    assert verify_replay(good)
    assert not verify_replay(bad)  # `if verify_replay(p):` must not accept a tampered replay


def _verify_cli(path, capsys) -> tuple[int, str]:
    from viewer.cli import main as viewer_main

    rc = viewer_main(["replay", str(path), "--verify"])
    out, err = capsys.readouterr()
    return rc, out + err


def test_every_single_bit_flip_is_verified_or_refused_in_one_line(tmp_path, capsys):
    """300 single-bit flips (52 gave zlib.error before): each file either verifies (a bit of the
    zip's own bookkeeping) or is refused in one line naming it; never a traceback."""
    env, acts = _play(ticks=20)
    data = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30).read_bytes()
    rng = np.random.default_rng(36)
    flipped = tmp_path / "flipped.npz"
    refused = 0
    for bit in rng.choice(len(data) * 8, size=300, replace=False):
        b = bytearray(data)
        b[bit // 8] ^= 1 << (bit % 8)
        flipped.write_bytes(bytes(b))
        rc, text = _verify_cli(flipped, capsys)
        assert rc in (0, 1) and text.count("\n") == 1 and str(flipped) in text, (int(bit), text)
        refused += rc == 1
    assert refused > 100  # most bits matter


def _hand_made(tmp_path, name: str, **keys) -> Path:
    env, acts = _play(ticks=5)
    p = save_replay(tmp_path / "base.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    z = dict(np.load(p))
    z.update(keys)
    np.savez(tmp_path / name, **z)
    return tmp_path / name


@pytest.mark.parametrize(
    "keys, expected",
    [
        (
            dict(overrides=np.array("[1, 2]")),
            "key 'overrides' should hold a JSON object, got list",
        ),  # was TypeError
        (dict(meta=np.array('"x"')), "key 'meta' should hold a JSON object, got str"),  # was AttributeError
        (dict(seed=np.array(1.5)), "key 'seed' should be a whole number scalar, got float64"),
        (dict(level=np.array(7)), "key 'level' should be a text scalar, got int64"),
        (
            dict(overrides=np.array('{"max_steps": -1}')),
            "do not make an env: arena.toml: $.max_steps",
        ),  # LevelError
        (dict(seed=np.array(-1)), "do not make an env: seed must be a non-negative integer"),
        (
            dict(level=np.array("/tmp"), version=np.array(0)),
            "/tmp: is a directory, not a level file",
        ),  # IsADirectoryError
    ],
)
def test_hand_made_replays_are_refused_in_one_line_naming_the_file(tmp_path, capsys, keys, expected):
    p = _hand_made(tmp_path, "hand.npz", **keys)
    rc, text = _verify_cli(p, capsys)
    assert rc == 1 and text.count("\n") == 1 and str(p) in text and expected in text, text


def test_a_replay_whose_level_is_dev_zero_is_refused_at_once(tmp_path):
    from tests.memory_cap import run_capped

    p = _hand_made(
        tmp_path, "zero.npz", level=np.array("/dev/zero"), version=np.array(0)
    )  # (v0: no level hash)
    r = run_capped(["-m", "viewer", "replay", str(p), "--verify"], tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr[-2000:]
    assert str(p) in r.stderr and "/dev/zero: not a regular file" in r.stderr


def test_a_directory_or_a_device_given_as_a_replay_is_named_as_such(tmp_path, capsys):
    rc, text = _verify_cli(tmp_path, capsys)
    assert rc == 1 and text == f"viewer: replay {tmp_path} is a directory; give a replay file (.npz)\n"
    rc, text = _verify_cli("/dev/zero", capsys)
    assert rc == 1 and "replay /dev/zero is not a regular file" in text


def test_an_array_claiming_more_than_the_file_holds_is_refused_before_it_is_allocated(tmp_path, capsys):
    """numpy allocates the shape an array's header claims before reading it: a header edited to
    claim 480 GB is refused as corrupt first."""
    import io
    import zipfile

    env, acts = _play(ticks=5)
    z = dict(np.load(save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)))
    huge = tmp_path / "huge.npz"
    with zipfile.ZipFile(huge, "w") as zf:
        for key, value in z.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, value)
            data = buf.getvalue()
            if key == "actions":
                shape = f"'shape': {acts.shape}, }}".encode()
                claim = f"'shape': (9999999999, {acts.shape[1]}, 2), }}".encode()
                i, pad = data.index(shape), len(claim) - len(shape)  # the header's padding takes it
                assert data[i + len(shape) : i + len(shape) + pad] == b" " * pad
                data = data[:i] + claim + data[i + len(shape) + pad :]
            zf.writestr(f"{key}.npy", data)
    rc, text = _verify_cli(huge, capsys)
    assert rc == 1 and text.count("\n") == 1, text
    assert f"replay {huge} is corrupt: array 'actions' claims shape (9999999999, 24, 2) of int32" in text


def test_a_replay_past_the_size_limit_is_refused(tmp_path, monkeypatch):
    import game.tools.replay as replay_mod

    env, acts = _play(ticks=5)
    p = save_replay(tmp_path / "r.npz", LEVEL, 3, acts, env.state_hash([0]), max_steps=30)
    monkeypatch.setattr(replay_mod, "MAX_REPLAY_BYTES", p.stat().st_size)  # the file fits, its arrays do not
    with pytest.raises(
        ReplayError, match=r"holds [0-9,]+ bytes of arrays, over the limit of [0-9,]+ bytes of a replay"
    ):
        load_replay(p)
    monkeypatch.setattr(replay_mod, "MAX_REPLAY_BYTES", 100)
    with pytest.raises(ReplayError, match=r"r.npz is [0-9,]+ bytes, over the limit of 100 bytes of a replay"):
        load_replay(p)
