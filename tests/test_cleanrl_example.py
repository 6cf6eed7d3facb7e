"""examples/cleanrl_ppo.py, a CleanRL-style PPO written against a Gymnasium -v1 id and
SyncVectorEnv, learns the shipped one-agent level tiny_harvest by a wide margin over random.

Learning is a claim about seeds: several run, none picked because it learns. Floating-point
paths differ between CPUs, so only the margin over random is asserted. About 20 s a seed on 2 cores.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cleanrl_ppo.py"


def load_example():
    spec = importlib.util.spec_from_file_location("cleanrl_ppo", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cleanrl_ppo_learns_tiny_harvest(seed):
    ex = load_example()
    torch.set_num_threads(1)
    agent, metrics = ex.train(ex.Args(seed=seed, total_timesteps=24_576))
    trained = ex.evaluate(agent, "KinshipGrid/tiny_harvest-v1", episodes=8, seed=100)
    random = ex.evaluate(None, "KinshipGrid/tiny_harvest-v1", episodes=8, seed=100)
    assert trained > random + 0.5 and trained > 3 * max(random, 0.05), (trained, random, metrics)


def test_cleanrl_ppo_refuses_a_many_agent_level():
    ex = load_example()
    with pytest.raises(ValueError, match="--env-id must be a one-agent -v1 level"):
        ex.train(ex.Args(env_id="KinshipGrid/harvest-v1", total_timesteps=64))
