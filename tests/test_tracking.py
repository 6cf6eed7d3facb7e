"""TensorBoard tracking (learn/training/tracking.py): the event files hold metrics.jsonl's numbers, the run's
tags reach TensorBoard and status.json, a resumed run appends, and --no-tensorboard writes none."""

from __future__ import annotations

import json
import math

import msgspec
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from learn.__main__ import main
from learn.rundir.stats import LINE_KEYS
from learn.training.train import train
from tests.tiny_training import EPOCH, tiny

TAGS = {"arm": "kin-0.5", "seed": "3"}


def _lines(run_dir):
    return [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]


def _events(run_dir):
    acc = EventAccumulator(str(run_dir / "tb"), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def _assert_scalars_match(run_dir):
    acc = _events(run_dir)
    # a resumed run logs again the epochs past its checkpoint: the later line of a step is the one shown
    lines = list({line["step"]: line for line in _lines(run_dir)}.values())
    tb = {tag: {e.step: e.value for e in acc.Scalars(tag)} for tag in acc.Tags()["scalars"]}
    logged = {k for line in lines for k, v in line.items() if k not in LINE_KEYS and v is not None}
    assert logged == set(tb)  # every number of the log, nothing else
    for line in lines:
        for k, v in line.items():
            if k in LINE_KEYS:
                continue
            if v is None:  # NaN in the epoch (no episode ended): left out of both
                assert line["step"] not in tb.get(k, {}), (k, line["step"])
            else:  # TensorBoard keeps float32
                assert math.isclose(tb[k][line["step"]], v, rel_tol=1e-6, abs_tol=1e-30), (k, line["step"])
    return acc, lines


@pytest.fixture(scope="module")
def tagged_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("tb") / "run"
    train(tiny(run_dir, total_steps=3 * EPOCH, tags=TAGS))
    return run_dir


def test_event_files_hold_the_scalars_of_metrics_jsonl(tagged_run):
    acc, lines = _assert_scalars_match(tagged_run)
    assert len(lines) == 3
    assert {"losses/policy", "charts/SPS", "charts/episode_return", "charts/hearts"} <= set(
        acc.Tags()["scalars"]
    )
    assert any(t.startswith("episode/") for t in acc.Tags()["scalars"])  # the game's stats


def test_tags_go_to_tensorboard_and_status(tagged_run):
    assert json.loads((tagged_run / "status.json").read_text())["tags"] == TAGS
    acc = _events(tagged_run)
    text = acc.Tensors("run/tags/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "| arm | kin-0.5 |" in text and "| seed | 3 |" in text
    config = acc.Tensors("run/config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert 'tags = { arm = "kin-0.5", seed = "3" }' in config
    # the saved config keeps them (an inline table: the fields after it stay top-level)
    saved = msgspec.toml.decode((tagged_run / "config.toml").read_bytes())
    assert saved["tags"] == TAGS and saved["tensorboard"] is True and "eval_interval" in saved


def test_a_resumed_run_appends_to_the_same_log(tagged_run, tmp_path):
    from learn.rundir.checkpoint import list_checkpoints
    from tests.tiny_training import copy_run

    run_dir = copy_run(tagged_run, tmp_path / "run")
    list_checkpoints(run_dir)[-1].unlink()  # as if killed after epoch 3 was logged, before its checkpoint
    train(tiny(run_dir, total_steps=5 * EPOCH, resume=True, tags=TAGS))
    assert len(list((run_dir / "tb").glob("events.out.tfevents.*"))) == 2
    assert len(_lines(run_dir)) == 3 + 3  # epochs 3, 4, 5 again after the checkpoint of epoch 2
    acc, lines = _assert_scalars_match(run_dir)  # epoch 3 as the resumed session logged it
    assert [e.step for e in acc.Scalars("losses/policy")] == [k * EPOCH for k in range(1, 6)]


def test_no_tensorboard_writes_no_event_files(tmp_path):
    run_dir = tmp_path / "run"
    train(tiny(run_dir, total_steps=EPOCH, tensorboard=False))
    assert (run_dir / "metrics.jsonl").is_file() and not (run_dir / "tb").exists()
    assert "tags" not in json.loads((run_dir / "status.json").read_text())


def test_cli_flags(capsys):
    rc = main(
        [
            "train",
            "game/levels/arena.toml",
            "--no-tensorboard",
            "--tag",
            "arm=a",
            "--tag",
            "seed=1",
            "--tag",
            "arm=b=c",
            "--eval-interval",
            "5",
            "--eval-levels",
            "harvest, game/levels/maze.toml",
            "--eval-episodes",
            "2",
            "--dry-run",
        ]
    )
    assert rc == 0
    out = msgspec.toml.decode(capsys.readouterr().out.encode())
    assert out["tensorboard"] is False and out["tags"] == {"arm": "b=c", "seed": "1"}
    assert out["eval_interval"] == 5 and out["eval_levels"] == ["harvest", "game/levels/maze.toml"]
    assert out["eval_episodes"] == 2
    with pytest.raises(SystemExit) as e:  # argparse's usage error
        main(["train", "game/levels/arena.toml", "--tag", "novalue", "--dry-run"])
    assert e.value.code == 2 and "--tag 'novalue': expected KEY=VALUE" in capsys.readouterr().err


def test_import_learn_does_not_import_tensorboard():
    import subprocess
    import sys

    code = (
        "import sys, learn, learn.training.train; "
        "print('torch.utils.tensorboard' in sys.modules, 'tensorboard' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_study_tags_its_runs_with_arm_and_seed(tmp_path):
    from tests.test_study import _tiny_study

    spec = _tiny_study(tmp_path / "tiny.toml", total_steps=256, seeds=(4,))
    out = tmp_path / "out"
    assert main(["study", str(spec), "--out", str(out)]) == 0
    for arm in ("plain", "rich"):
        run_dir = out / "runs" / arm / "seed-4"
        tags = {"study": "tiny", "arm": arm, "seed": "4"}
        assert json.loads((run_dir / "status.json").read_text())["tags"] == tags
        text = _events(run_dir).Tensors("run/tags/text_summary")[0].tensor_proto.string_val[0].decode()
        assert f"| arm | {arm} |" in text and "| seed | 4 |" in text


def test_a_run_made_before_resumes(tagged_run, tmp_path, capsys):
    """config.toml without the new fields and no tb/, as earlier versions wrote it."""
    import shutil

    from tests.tiny_training import copy_run

    run_dir = copy_run(tagged_run, tmp_path / "old")
    shutil.rmtree(run_dir / "tb")
    new = ("tensorboard", "tags", "eval_interval", "eval_levels", "eval_episodes")
    kept, skip = [], False
    for line in (run_dir / "config.toml").read_text().splitlines():
        skip = line.startswith(new) or (skip and not line.startswith(("#", "[")) and "=" not in line)
        if not skip:
            kept.append(line)
    (run_dir / "config.toml").write_text("\n".join(kept) + "\n")
    assert not any(w in (run_dir / "config.toml").read_text() for w in ("eval_levels =", "tags ="))
    assert (
        main(
            [
                "train",
                "--resume",
                "--run-dir",
                str(run_dir),
                "--total-steps",
                str(4 * EPOCH),
                "--no-reference",
                "--final-eval",
                "0",
            ]
        )
        == 0
    )
    assert [e.step for e in _events(run_dir).Scalars("losses/policy")] == [
        4 * EPOCH
    ]  # tb/ from the resume on
    assert main(["eval", f"{run_dir}@best", "game/levels/arena.toml"]) == 2  # no periodic eval: no best.pt
    assert "has no" in capsys.readouterr().err
