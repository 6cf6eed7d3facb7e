"""Golden fingerprints of commit d7ea030: nothing a user made changes meaning.

Every shipped level (its resolved Level, the env's action and feature names, 300 ticks of random
play on 2 worlds and 400 ticks of 40-tick episodes, hashed: observations, rewards, dones, infos,
the ECS world's arrays, the stats by name) and a checkpoint trained at d7ea030 (its eval score
through `python -m learn eval`) must come out exactly as recorded in
tests/data/invariants_d7ea030.json. What is hashed and how: tests/invariants_util.py, which also
regenerates the file (only ever from a tree whose behaviour is the reference).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests import invariants_util as inv

GOLDEN_FILE = inv.ROOT / "tests" / "data" / "invariants_d7ea030.json"
GOLDEN = json.loads(GOLDEN_FILE.read_text())
LEVELS = sorted(GOLDEN["levels"])


def test_the_protocol_is_the_recorded_one():
    """The util's settings are those the golden file was made with (else every hash differs)."""
    p = GOLDEN["protocol"]
    assert (p["seed"], p["num_worlds"], p["ticks"], p["every"]) == (
        inv.SEED,
        inv.NUM_WORLDS,
        inv.TICKS,
        inv.EVERY,
    )
    assert p["short_episodes"] == {"max_steps": inv.SHORT_MAX_STEPS, "ticks": inv.SHORT_TICKS}


def _list_diff(want: list, got: list) -> str:
    missing = [x for x in want if x not in got]
    added = [x for x in got if x not in want]
    if not missing and not added:
        return f"same names, another order: {got}"
    return f"missing {missing}, added {added}"


def _dict_diff(want: dict, got: dict) -> list[str]:
    return (
        [f"{k} (changed)" for k in sorted(want.keys() & got.keys()) if want[k] != got[k]]
        + [f"{k} (gone)" for k in sorted(want.keys() - got.keys())]
        + [f"{k} (new)" for k in sorted(got.keys() - want.keys())]
    )


def differences(want: dict, got: dict) -> list[str]:
    """What differs between two fingerprints, one line each, most telling first."""
    out = []
    sections = _dict_diff(want["level_sections"], got["level_sections"])
    if want["level_full"] != got["level_full"] or sections:
        out.append(
            "resolved Level (every field written out) differs: "
            + (f"sections {', '.join(sections)}" if sections else "same sections, another order")
        )
    if want["level"] != got["level"]:
        out.append(
            "the replays' level hash (game/tools/replay.py level_config_hash) differs: "
            "replays recorded at d7ea030 will be refused as another version of the level"
        )
    for k, names in want["names"].items():
        if got["names"].get(k) != names:
            out.append(f"env.{k} differs: {_list_diff(names, got['names'].get(k) or [])}")
    for t, snap in want["ticks"].items():
        parts = [k for k in snap if got["ticks"].get(t, {}).get(k) != snap[k]]
        if parts:
            line = f"first difference at tick {t} (of {inv.TICKS}, every {inv.EVERY}): {', '.join(parts)}"
            if t in want["arrays"]:
                arrays = _dict_diff(want["arrays"][t], got["arrays"].get(t, {}))
                if arrays:
                    line += f"; world arrays: {', '.join(arrays)}"
            out.append(line)
            break
    short = [k for k in want["short_episodes"] if got["short_episodes"].get(k) != want["short_episodes"][k]]
    if short:
        out.append(
            f"short episodes (max_steps={inv.SHORT_MAX_STEPS}, {inv.SHORT_TICKS} ticks) differ in: "
            f"{', '.join(short)}"
        )
    return out


@pytest.mark.parametrize("rel", LEVELS)
def test_level_fingerprint_is_the_golden_one(rel):
    path = inv.ROOT / rel
    assert path.is_file(), (
        f"{rel}: the shipped level file is gone (moved or removed): a user's path to it breaks"
    )
    try:
        got = inv.fingerprint(rel)
    except Exception as exc:  # noqa: BLE001 - name the level, keep the cause
        pytest.fail(f"{rel}: fingerprinting failed: {type(exc).__name__}: {exc}")
    problems = differences(GOLDEN["levels"][rel], got)
    assert not problems, f"{rel} changed meaning since d7ea030:\n  " + "\n  ".join(problems)


def test_every_level_of_d7ea030_is_still_shipped():
    gone = sorted(set(LEVELS) - set(inv.shipped_levels()))
    assert not gone, f"shipped levels of d7ea030 no longer in game/levels: {gone}"


def test_checkpoint_trained_at_d7ea030_scores_the_same(tmp_path):
    ck = GOLDEN["checkpoint"]
    path = inv.ROOT / ck["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ck["sha256"], f"{ck['file']} itself changed"
    for mode, greedy in (("sampled", False), ("greedy", True)):
        got = inv.eval_checkpoint(path, tmp_path / mode, greedy)
        assert got == ck[mode], (
            f"{ck['file']} on {ck['level']} ({mode}, seed {ck['seed']}, {ck['episodes']} "
            f"episodes): scored {got}, at d7ea030 {ck[mode]}"
        )
