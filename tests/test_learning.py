"""PPO learns: on a tiny level, a short training run clearly beats the random policy.

Fixed seeds and one torch thread make the run deterministic, so this is not flaky; it takes
about 20 s on two cores.
"""

from pathlib import Path

from learn.config import load_config
from learn.evaluate import evaluate
from learn.train import train

LEVEL = str(Path(__file__).parent / "levels" / "tiny_harvest.toml")


def test_trained_policy_beats_random_by_a_wide_margin(tmp_path):
    cfg = load_config(overrides=dict(level=LEVEL, total_steps=100_000, num_worlds=16, seed=1, run_dir=str(tmp_path),
                                     quiet=True, horizon=32, torch_threads=1))
    summary = train(cfg)
    trained = evaluate(summary["checkpoint"], LEVEL, episodes=16, seed=100)
    random = evaluate(None, LEVEL, episodes=16, seed=100)
    assert trained["mean_return"] > random["mean_return"] + 0.5, (trained["mean_return"], random["mean_return"])
    assert trained["mean_return"] > 3 * max(random["mean_return"], 0.05)
