"""Messages that name the real cause: a missing GPU is not a truncated checkpoint, and a damaged
latest checkpoint names the older one that would resume (issue 18, item 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from learn.__main__ import main

TINY = str(Path(__file__).resolve().parent / "levels" / "tiny_harvest.toml")


@pytest.fixture
def run(tmp_path):
    d = tmp_path / "run"
    assert (
        main(
            [
                "train",
                TINY,
                "--total-steps",
                "1024",
                "--num-worlds",
                "4",
                "--horizon",
                "16",
                "--checkpoint-interval",
                "4",
                "--run-dir",
                str(d),
                "--quiet",
                "--no-reference",
                "--final-eval",
                "0",
            ]
        )
        == 0
    )
    return d


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_eval_on_a_missing_gpu_says_so(run, capsys):
    assert main(["eval", str(run), TINY, "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "CUDA is not available" in err and "truncated" not in err


def test_a_damaged_latest_checkpoint_names_the_older_good_one(run, capsys):
    ckpts = sorted((run / "checkpoints").glob("*.pt"))
    assert len(ckpts) >= 2
    ckpts[-1].write_bytes(ckpts[-1].read_bytes()[:2000])
    assert main(["train", "--resume", "--run-dir", str(run), "--total-steps", "2048", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"the run also holds {ckpts[-2].name}, which loads" in err and err.count("\n") == 1
    ckpts[-1].rename(run / "damaged.pt")  # doing what the message says resumes from the older one
    assert main(["train", "--resume", "--run-dir", str(run), "--total-steps", "2048", "--quiet"]) == 0


def test_no_good_checkpoint_left_says_so(run, capsys):
    for p in (run / "checkpoints").glob("*.pt"):
        p.write_bytes(b"junk")
    assert main(["train", "--resume", "--run-dir", str(run), "--total-steps", "2048", "--quiet"]) == 2
    assert "no older checkpoint of the run loads" in capsys.readouterr().err
