"""A real (tiny) training run: run directory, checkpoints, resume, stats, eval, policies.

The run's faults (kills, signals, damaged files, a used or locked run directory, non-finite
losses) are in tests/test_train_faults.py; the shared run is the `tiny_run` fixture (conftest.py)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import game
from learn.__main__ import main
from learn.evaluation.evaluate import evaluate
from learn.rundir import checkpoint as ckpt
from learn.training.config import load_config
from learn.training.train import train
from tests.tiny_training import EPOCH, LEVEL, db, tiny


def test_run_directory(tiny_run):
    run_dir, s = tiny_run
    assert s["global_step"] == 5 * EPOCH and s["epochs"] == 5
    assert s["SPS"] > 0 and set(s["phase_share"]) == {"env", "inference", "learn", "other"}
    assert (run_dir / "config.toml").is_file()
    assert load_config(run_dir / "config.toml").run_dir == str(run_dir)
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [1, 2, 3, 4, 5]
    for k in (
        "losses/policy",
        "losses/value",
        "losses/entropy",
        "losses/approx_kl",
        "losses/clipfrac",
        "losses/explained_variance",
        "charts/SPS",
        "charts/episode_return",
        "charts/hearts",
    ):
        assert k in lines[-1], k
    # checkpoints at epochs 2, 4 and the end (5); only the last two kept; no temporary files
    names = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert names == [f"ckpt_{4 * EPOCH:012d}.pt", f"ckpt_{5 * EPOCH:012d}.pt"]
    assert s["checkpoint"].endswith(names[-1])
    # episodes of 20 steps end during the run, and their stats reach DuckDB
    assert s["episodes"] > 0 and np.isfinite(s["episode_return"])
    assert db(run_dir, "SELECT count(DISTINCT epoch) FROM metrics")[0][0] == 5
    stats = dict(db(run_dir, "SELECT name, count(*) FROM episodes GROUP BY name"))
    assert stats.get("episode_return", 0) > 0 and stats.get("hearts", 0) > 0


def test_checkpoint_contents(tiny_run):
    run_dir, _ = tiny_run
    data = ckpt.load_checkpoint(ckpt.list_checkpoints(run_dir)[-1])
    assert data["global_step"] == 5 * EPOCH and data["epoch"] == 5 and data["policy"] == "typed"
    env = game.make_env(LEVEL, num_worlds=1)
    assert data["spaces"] == ckpt.spaces_of(env)
    assert {"torch", "numpy", "python"} <= set(data["rng"]) and data["optimizer"]["state"]


def test_resume_continues_the_run(tiny_run, tmp_path):
    src, _ = tiny_run
    run_dir = tmp_path / "resumed"
    (run_dir / "checkpoints").mkdir(parents=True)
    last = ckpt.list_checkpoints(src)[-1]
    (run_dir / "checkpoints" / last.name).write_bytes(last.read_bytes())
    s = train(tiny(run_dir, total_steps=7 * EPOCH, resume=True))
    assert s["resumed_from"].endswith(last.name)
    assert s["global_step"] == 7 * EPOCH and s["epochs"] == 7 and s["steps_this_session"] == 2 * EPOCH
    lines = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [6, 7]


def test_corrupt_and_foreign_checkpoints_exit_2(tiny_run, tmp_path, capsys):
    run_dir, _ = tiny_run
    good = ckpt.list_checkpoints(run_dir)[-1].read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good[: len(good) // 2])
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    for path, words in (
        (truncated, "truncated"),
        (foreign, "not a checkpoint"),
        (garbage, "truncated"),
        (tmp_path / "missing.pt", "does not exist"),
    ):
        assert main(["eval", str(path), LEVEL, "--episodes", "1"]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err


def test_checkpoints_of_the_multidiscrete_heads_are_refused(tiny_run, tmp_path, capsys):
    """A version-1 checkpoint (a head per MultiDiscrete dimension) is refused by name, not by a
    shape error inside torch, wherever a checkpoint is read."""
    run_dir, _ = tiny_run
    data = torch.load(ckpt.list_checkpoints(run_dir)[-1], weights_only=True)
    data["version"] = 1
    old = tmp_path / "old.pt"
    torch.save(data, old)
    assert main(["eval", str(old), LEVEL, "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert "MultiDiscrete" in err and "retrain" in err and "Traceback" not in err
    from viewer.policy import PolicyError, load_policy

    with pytest.raises(PolicyError, match="MultiDiscrete"):
        load_policy(str(old), game.make_env(LEVEL, num_worlds=1))


def test_policies_choose_from_the_flat_action_list(tiny_run):
    """The trained policy's head spans the flat action list, and its actions are valid pairs."""
    run_dir, _ = tiny_run
    data = ckpt.load_checkpoint(ckpt.list_checkpoints(run_dir)[-1])
    env = game.make_env(LEVEL, num_worlds=1, seed=2)
    assert data["spaces"]["flat_action_names"] == env.flat_action_names
    assert data["model"]["heads.actor.weight"].shape[0] == len(env.flat_actions)
    from learn.policies.agent import Agent

    agent = Agent(data, env, "ckpt")
    obs, _ = env.reset()
    valid = {tuple(p) for p in env.flat_actions.tolist()}
    for _ in range(10):
        a = agent.act(obs)
        assert a.dtype == np.int32 and a.shape == (env.num_agents, 2)
        assert {tuple(r) for r in a.tolist()} <= valid
        obs, *_ = env.step(a)


def test_level_with_other_spaces_is_refused(tiny_run, tmp_path, capsys):
    run_dir, _ = tiny_run
    level = tmp_path / "small_window.toml"
    level.write_text(Path(LEVEL).read_text() + "\n[obs]\nwindow = 7\n")
    assert main(["eval", str(ckpt.list_checkpoints(run_dir)[-1]), str(level), "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert "does not match" in err and "observation shape" in err
    # resuming a run on that level is refused the same way
    assert main(["train", str(level), "--run-dir", str(run_dir), "--resume", "--quiet"]) == 2
    assert "does not match" in capsys.readouterr().err


def test_training_ends_with_an_eval_of_the_scored_level_that_eval_repeats(tmp_path, capsys):
    s = train(tiny(tmp_path / "fe", total_steps=EPOCH, final_eval=3, quiet=False))
    fe = s["final_eval"]
    assert fe["episodes"] == 3 and fe["seed"] == 0
    out = capsys.readouterr().out
    assert "eval on arena" in out and f"{fe['mean_return']:.4g}" in out and "verdict" in out
    rows = dict(db(tmp_path / "fe", f"SELECT name, value FROM evals WHERE eval_id = '{fe['eval_id']}'"))
    assert rows["mean_return"] == pytest.approx(fe["mean_return"])
    torch.manual_seed(123)
    before = torch.get_rng_state()
    again = evaluate(
        s["checkpoint"], LEVEL, episodes=3
    )  # what `python -m learn eval CKPT LEVEL --episodes 3` runs
    assert torch.equal(torch.get_rng_state(), before)  # the caller's RNG is left alone
    assert again["mean_return"] == fe["mean_return"] and again["hearts_per_agent"] == fe["hearts_per_agent"]
    acts = np.load(again["replay"])["actions"]
    assert np.array_equal(acts, np.load(fe["replay"])["actions"])  # the same sampled actions, tick by tick
    assert not np.array_equal(
        acts, np.load(evaluate(s["checkpoint"], LEVEL, episodes=3, seed=1)["replay"])["actions"]
    )
    assert train(tiny(tmp_path / "none", total_steps=EPOCH, final_eval=0))["final_eval"] is None


def test_eval_writes_stats_and_a_replay_that_replays(tiny_run):
    run_dir, _ = tiny_run
    r = evaluate(ckpt.list_checkpoints(run_dir)[-1], LEVEL, episodes=2, max_steps=12)
    assert r["episodes"] == 2 and np.isfinite(r["mean_return"]) and r["hearts_per_agent"] >= 0
    rows = dict(db(run_dir, f"SELECT name, value FROM evals WHERE eval_id = '{r['eval_id']}'"))
    assert rows["mean_return"] == pytest.approx(r["mean_return"])
    assert db(run_dir, f"SELECT count(*) FROM eval_agents WHERE eval_id = '{r['eval_id']}'")[0][0] == 2 * 24
    rep = np.load(r["replay"])
    assert (
        str(rep["level"]) == LEVEL
        and rep["actions"].shape == (12, 24, 2)
        and rep["actions"].dtype == np.int32
    )
    env = game.make_env(
        str(rep["level"]), num_worlds=1, seed=int(rep["seed"]), max_steps=int(rep["max_steps"])
    )
    env.reset()
    for a in rep["actions"]:
        env.step(a)
    assert env.state_hash() == str(rep["state_hash"])


def test_lstm_policy_trains(tmp_path):
    s = train(tiny(tmp_path / "lstm", policy="lstm", total_steps=2 * EPOCH, checkpoint_interval=1))
    assert s["global_step"] == 2 * EPOCH
    assert np.isfinite(s["last_metrics"]["losses/value"])
    data = ckpt.load_checkpoint(s["checkpoint"])
    assert data["policy"] == "lstm"


def test_random_baseline_for_learning_tests():
    r = evaluate(None, LEVEL, episodes=2, max_steps=10)
    assert r["episodes"] == 2 and np.isfinite(r["mean_return"]) and "replay" not in r


def test_multiprocessing_backend(tmp_path):
    s = train(tiny(tmp_path / "mp", vector="multiprocessing", num_envs=2, total_steps=2 * 2 * EPOCH))
    assert s["global_step"] == 2 * 2 * EPOCH


def test_eval_takes_a_run_directory_or_run_at_step(tiny_run, capsys):
    run_dir, s = tiny_run
    latest, older = ckpt.list_checkpoints(run_dir)[-1], ckpt.list_checkpoints(run_dir)[0]
    assert ckpt.resolve_checkpoint(run_dir) == latest
    assert ckpt.resolve_checkpoint(f"{run_dir}@{4 * EPOCH}") == older
    assert ckpt.run_dir_of(run_dir) == ckpt.run_dir_of(f"{run_dir}@{4 * EPOCH}") == run_dir.resolve()
    r = evaluate(run_dir, LEVEL, episodes=1, max_steps=8)
    assert r["step"] == 5 * EPOCH and Path(r["run_dir"]).resolve() == run_dir.resolve()
    assert (
        main(["eval", f"{run_dir}@{4 * EPOCH}", LEVEL, "--episodes", "1", "--max-steps", "8", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["step"] == 4 * EPOCH
    # a step the run does not have, and a directory without checkpoints: one line naming what there is
    assert main(["eval", f"{run_dir}@7", LEVEL]) == 2
    err = capsys.readouterr().err
    assert "no checkpoint of step 7" in err and str(4 * EPOCH) in err and str(5 * EPOCH) in err
    empty = run_dir.parent / "empty-run"
    empty.mkdir(exist_ok=True)
    assert main(["eval", str(empty), LEVEL]) == 2
    assert "holds no checkpoints" in capsys.readouterr().err


def test_baseline_eval_and_bench_write_nothing_into_the_current_directory(tmp_path, monkeypatch, capsys):
    cwd, data = tmp_path / "cwd", tmp_path / "data"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("KINSHIP_GRID_DATA", str(data))
    level = str(Path(__file__).parent.parent / "tests/levels/tiny_harvest.toml")
    assert main(["eval", "--policy", "random", level, "--episodes", "1", "--max-steps", "8", "--json"]) == 0
    assert Path(json.loads(capsys.readouterr().out)["db"]).resolve().is_relative_to(data.resolve())
    assert (
        main(["bench", level, "--epochs", "1", "--num-worlds", "2", "--horizon", "8", "--no-reference"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["end_to_end_sps"] > 0
    assert list(cwd.iterdir()) == []


def test_the_entropy_bonus_moves_linearly_to_its_final_value(tmp_path):
    """ent_coef_final: each update uses ent_coef + (final - ent_coef) * step / total_steps; -1
    keeps ent_coef for the whole run."""
    from learn.training.train import Trainer

    t = Trainer(tiny(tmp_path / "a", total_steps=4 * EPOCH, ent_coef=0.1, ent_coef_final=0.02))
    try:
        seen = []
        for _ in range(4):
            t.epoch_once()
            seen.append((t.global_step, t.ppo.ent_coef))
    finally:
        t.close()
    assert [s for s, _ in seen] == [EPOCH, 2 * EPOCH, 3 * EPOCH, 4 * EPOCH]
    for step, coef in seen:  # an epoch's update reads the step its rollout started from (as anneal_lr does)
        assert coef == pytest.approx(0.1 + (0.02 - 0.1) * (step - EPOCH) / (4 * EPOCH))
    assert seen[-1][1] == pytest.approx(0.04)
    t = Trainer(tiny(tmp_path / "b", total_steps=2 * EPOCH, ent_coef=0.1))
    try:
        t.epoch_once()
        t.epoch_once()
        assert t.ppo.ent_coef == 0.1
    finally:
        t.close()
