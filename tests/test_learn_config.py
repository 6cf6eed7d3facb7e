"""TrainConfig: defaults, TOML file plus overrides, unknown fields, and the CLI's --dry-run."""

import msgspec
import pytest

from learn.__main__ import main
from learn.training.config import FIELD_DOCS, ConfigError, TrainConfig, dumps, load_config, resolve_device


def test_every_field_has_a_default_and_a_description():
    c = TrainConfig()
    for name in TrainConfig.__struct_fields__:
        assert FIELD_DOCS[name], f"field {name} has no description"
        assert getattr(c, name) is not None
    assert c.policy == "typed" and c.egocentric and c.vector == "serial" and c.device == "auto"


def test_file_then_overrides(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('total_steps = 5000\nseed = 7\npolicy = "lstm"\n')
    c = load_config(f, {"seed": 9, "num_worlds": None})
    assert (c.total_steps, c.seed, c.policy, c.num_worlds) == (5000, 9, "lstm", TrainConfig().num_worlds)


def test_unknown_field_and_bad_type_name_the_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("totl_steps = 5\n")
    with pytest.raises(ConfigError, match=r"c\.toml.*totl_steps"):
        load_config(f)
    f.write_text('gamma = "high"\n')
    with pytest.raises(ConfigError, match=r"\$\.gamma"):
        load_config(f)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_dumps_round_trips():
    c = load_config(overrides={"learning_rate": 3e-4, "quiet": True})
    assert msgspec.toml.decode(dumps(c).encode()) == msgspec.to_builtins(c)


def test_dumps_round_trips_a_curriculum_of_long_paths():
    """A long curriculum is written inline: as [[curriculum]] tables, the fields after it would be
    read as fields of its last level (a study's run config.toml, with absolute paths, did)."""
    long = "/" + "x" * 120 + "/level.toml"
    c = load_config(
        overrides={
            "curriculum": [{"level": long, "weight": 3.0}, {"level": "arena", "weight": 1.0}],
            "curriculum_sampler": "weights",
        }
    )
    assert msgspec.toml.decode(dumps(c).encode()) == msgspec.to_builtins(c)


def test_device_auto_is_cpu_without_cuda():
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"


def test_cli_dry_run_prints_resolved_config(tmp_path, capsys):
    f = tmp_path / "c.toml"
    f.write_text("horizon = 32\nseed = 1\n")
    rc = main(
        [
            "train",
            "game/levels/arena.toml",
            "--config",
            str(f),
            "--seed",
            "5",
            "--total-steps",
            "1234",
            "--no-norm-adv",
            "--dry-run",
        ]
    )
    assert rc == 0
    out = msgspec.toml.decode(capsys.readouterr().out.encode())
    assert (
        out["seed"] == 5 and out["horizon"] == 32 and out["total_steps"] == 1234 and out["norm_adv"] is False
    )
    assert out["level"] == "game/levels/arena.toml"


def test_cli_bad_value_exits_2_without_traceback(capsys):
    assert main(["train", "game/levels/arena.toml", "--total-steps", "0", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "total_steps" in err and "Traceback" not in err


def test_cli_resume_needs_run_dir(capsys):
    assert main(["train", "game/levels/arena.toml", "--resume"]) == 2
    assert "--run-dir" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["tpu", "cpu:banana", "meta"])
def test_a_device_torch_cannot_train_on_is_refused_by_name(device):
    with pytest.raises(ConfigError, match=f"device '{device}'"):
        resolve_device(device)


def test_seeds_out_of_range_are_refused_not_wrapped(capsys):
    for seed in (str(2**64), "-1"):
        assert main(["train", "game/levels/harvest.toml", "--seed", seed, "--dry-run"]) == 2
        assert "$.seed" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # not truncated to 1
        main(["train", "game/levels/harvest.toml", "--seed", "1.5", "--dry-run"])
    assert exc.value.code == 2


def test_an_unknown_policy_is_refused_before_the_run_directory_exists(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "game/levels/harvest.toml",
                "--policy",
                "transformer",
                "--total-steps",
                "10",
                "--run-dir",
                str(run_dir),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown policy 'transformer'" in err and "grid" in err and "Traceback" not in err
    assert not run_dir.exists()


@pytest.mark.parametrize("episodes", ["0", "-3", "two"])
def test_eval_episodes_must_be_positive(episodes, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["eval", "--policy", "random", "game/levels/harvest.toml", "--episodes", episodes])
    assert exc.value.code == 2 and "--episodes" in capsys.readouterr().err


def test_a_binary_config_file_is_one_line(tmp_path, capsys):
    f = tmp_path / "c.toml"
    f.write_bytes(b"\xff\xfe\x00seed = 1\n")
    assert main(["train", "--config", str(f), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "c.toml: not a UTF-8 text file" in err and "Traceback" not in err


def test_workers_that_do_not_divide_the_envs_are_refused_before_the_run_directory(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "game/levels/harvest.toml",
                "--vector",
                "multiprocessing",
                "--num-envs",
                "3",
                "--num-workers",
                "2",
                "--total-steps",
                "10",
                "--run-dir",
                str(run_dir),
                "--quiet",
            ]
        )
        == 2
    )
    assert "num_workers: 2 workers cannot share 3 envs" in capsys.readouterr().err
    assert not run_dir.exists()
