"""PPO in one file, CleanRL style, on a Gymnasium -v1 id and the standard vector env.

    python examples/cleanrl_ppo.py --env-id KinshipGrid/tiny_harvest-v1 --seed 1

Nothing here is the project's own trainer (learn/): it is what a researcher writes against the
Gymnasium API. A -v1 env's action is one index into the level's flat action list per agent, so
every sampled action is valid; its observation is (agents, window, window, channels) uint8. This
script fits one-agent levels (game/levels/tiny_harvest.toml): one observation, one action index.
Episodes end by truncation only, and the return is bootstrapped through them from the final
observation the vector env reports (docs/adapters.md).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import gymnasium
import numpy as np
import torch
from torch import nn

import game.adapters  # noqa: F401  registers the KinshipGrid/<level>-v0/-v1 ids


@dataclass
class Args:
    env_id: str = "KinshipGrid/tiny_harvest-v1"
    """a registered KinshipGrid id of a one-agent level, -v1 (flat actions)"""
    seed: int = 1
    """seeds torch, numpy and the envs (env i gets seed + i)"""
    total_timesteps: int = 24_576
    """env steps in all (over every env)"""
    num_envs: int = 8
    """parallel envs in the SyncVectorEnv"""
    num_steps: int = 64
    """steps per env per rollout"""
    learning_rate: float = 2.5e-3
    """Adam's step size, annealed linearly to 0"""
    gamma: float = 0.99
    """discount"""
    gae_lambda: float = 0.95
    """GAE's lambda"""
    num_minibatches: int = 4
    """minibatches per update epoch"""
    update_epochs: int = 4
    """passes over each rollout"""
    clip_coef: float = 0.2
    """PPO's ratio clip"""
    ent_coef: float = 0.01
    """entropy bonus"""
    vf_coef: float = 0.5
    """value loss weight"""
    max_grad_norm: float = 0.5
    """gradient clip"""
    hidden: int = 64
    """width of the two hidden layers"""


class ActorCritic(nn.Module):
    def __init__(self, obs_size: int, actions: int, hidden: int):
        super().__init__()

        def mlp(out: int, std: float) -> nn.Sequential:
            layers = [
                nn.Linear(obs_size, hidden),
                nn.Tanh(),
                nn.Linear(hidden, hidden),
                nn.Tanh(),
                nn.Linear(hidden, out),
            ]
            for layer in layers[::2]:
                nn.init.orthogonal_(layer.weight, np.sqrt(2))
                nn.init.zeros_(layer.bias)
            nn.init.orthogonal_(layers[-1].weight, std)
            return nn.Sequential(*layers)

        self.actor, self.critic = mlp(actions, 0.01), mlp(1, 1.0)

    @staticmethod
    def features(obs: torch.Tensor) -> torch.Tensor:
        # channels hold small codes (orientation 0-3) beside counts up to 255: log1p keeps both visible
        return torch.log1p(obs.flatten(1).float())

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(self.features(obs)).squeeze(-1)

    def act(self, obs: torch.Tensor, action: torch.Tensor | None = None):
        x = self.features(obs)
        dist = torch.distributions.Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)


def make_envs(env_id: str, num_envs: int, seed: int) -> gymnasium.vector.SyncVectorEnv:
    """num_envs copies; SAME_STEP autoreset hands over each ended episode's final observation."""
    fns = [lambda i=i: gymnasium.make(env_id, seed=seed + i) for i in range(num_envs)]
    return gymnasium.vector.SyncVectorEnv(fns, autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP)


def train(args: Args) -> tuple[ActorCritic, dict[str, float]]:
    """Train a policy; returns it and the last update's metrics."""
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    envs = make_envs(args.env_id, args.num_envs, args.seed)
    space = envs.single_action_space
    if not isinstance(space, gymnasium.spaces.MultiDiscrete) or space.shape != (1,):
        envs.close()
        raise ValueError(
            f"--env-id must be a one-agent -v1 level (one flat-action index a step), "
            f"got {args.env_id} with action space {space}"
        )
    obs_shape = envs.single_observation_space.shape
    agent = ActorCritic(int(np.prod(obs_shape)), int(space.nvec[0]), args.hidden)
    opt = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    # derived sizes, computed once; the rollout storage, allocated once
    N, T = args.num_envs, args.num_steps
    batch = N * T
    minibatch = batch // args.num_minibatches
    iterations = args.total_timesteps // batch
    obs_buf = torch.zeros((T, N, *obs_shape), dtype=torch.uint8)
    act_buf = torch.zeros((T, N), dtype=torch.long)
    logp_buf, rew_buf, val_buf, done_buf = (torch.zeros((T, N)) for _ in range(4))

    next_obs = torch.as_tensor(envs.reset(seed=args.seed)[0])
    metrics: dict[str, float] = {}
    returns: list[float] = []
    ep_return = np.zeros(N)
    start = time.time()
    for it in range(iterations):
        for g in opt.param_groups:
            g["lr"] = args.learning_rate * (1 - it / iterations)
        for t in range(T):
            obs_buf[t] = next_obs
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            obs, reward, _, truncated, info = envs.step(action.numpy()[:, None])
            reward = torch.as_tensor(reward, dtype=torch.float32)
            ep_return += reward.numpy()
            if truncated.any():  # bootstrap through the time limit from the episode's last observation
                ended = np.flatnonzero(truncated)
                final = torch.as_tensor(np.stack([info["final_obs"][i] for i in ended]))
                with torch.no_grad():
                    reward[ended] += args.gamma * agent.value(final)
                returns += list(ep_return[ended])
                ep_return[ended] = 0
            act_buf[t], logp_buf[t], val_buf[t], rew_buf[t] = action, logp, value, reward
            done_buf[t] = torch.as_tensor(truncated, dtype=torch.float32)
            next_obs = torch.as_tensor(obs)

        # GAE; a step that truncated was bootstrapped above, and the next observation is the
        # next episode's: its value must not leak back (cont = 0)
        with torch.no_grad():
            next_value = agent.value(next_obs)
        adv = torch.zeros((T, N))
        last = torch.zeros(N)
        for t in reversed(range(T)):
            nv = next_value if t == T - 1 else val_buf[t + 1]
            cont = 1.0 - done_buf[t]
            delta = rew_buf[t] + args.gamma * nv * cont - val_buf[t]
            last = delta + args.gamma * args.gae_lambda * cont * last
            adv[t] = last
        ret = adv + val_buf

        b_obs, b_act, b_logp = obs_buf.flatten(0, 1), act_buf.flatten(), logp_buf.flatten()
        b_adv, b_ret = adv.flatten(), ret.flatten()
        for _ in range(args.update_epochs):
            for idx in torch.randperm(batch).split(minibatch):
                _, logp, ent, v = agent.act(b_obs[idx], b_act[idx])
                ratio = (logp - b_logp[idx]).exp()
                a = b_adv[idx]
                a = (a - a.mean()) / (a.std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                vf = 0.5 * ((v - b_ret[idx]) ** 2).mean()
                loss = pg + args.vf_coef * vf - args.ent_coef * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                opt.step()
        metrics = {
            "losses/policy_loss": pg.item(),
            "losses/value_loss": vf.item(),
            "losses/entropy": ent.mean().item(),
            "charts/episodic_return": float(np.mean(returns[-N:])) if returns else float("nan"),
            "charts/SPS": (it + 1) * batch / (time.time() - start),
        }
    envs.close()
    return agent, metrics


def evaluate(agent: ActorCritic | None, env_id: str, episodes: int, seed: int) -> float:
    """Mean episode return of `agent` (sampling its policy), or of uniform random actions for None."""
    env = gymnasium.make(env_id, seed=seed)
    rng = np.random.default_rng(seed)
    total = 0.0
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        truncated = False
        while not truncated:
            if agent is None:
                action = rng.integers(env.action_space.nvec)
            else:
                with torch.no_grad():
                    action = agent.act(torch.as_tensor(obs)[None])[0].numpy()
            obs, reward, _, truncated, _ = env.step(action)
            total += reward
    env.close()
    return total / episodes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in vars(Args()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = Args(**vars(parser.parse_args(argv)))
    agent, metrics = train(args)
    print(", ".join(f"{k} {v:.3g}" for k, v in metrics.items()))
    print(
        f"mean return over 16 episodes: trained {evaluate(agent, args.env_id, 16, 10_000):.3f}, "
        f"random {evaluate(None, args.env_id, 16, 10_000):.3f}"
    )


if __name__ == "__main__":
    main()
