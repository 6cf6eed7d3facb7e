"""Kickstarting: the teacher's labels are the scripted baseline's choices as flat indices, on plain
and curriculum envs; the loss pulls the policy toward them; the weight falls to 0 and stays off."""

import numpy as np
import pytest
import torch

from game import make_env
from game.rules.action_table import flat_index
from learn.evaluation.baselines import ScriptedPolicy
from learn.policies.policy import make_policy
from learn.training.config import ConfigError, load_config
from learn.training.curriculum import CurriculumEnv, Entry
from learn.training.ppo import PPOSettings, Rollout, ppo_update
from learn.training.teacher import Teacher, teacher_coef
from learn.training.train import Trainer

ARENA = "game/levels/arena.toml"
HARVEST = "game/levels/harvest.toml"
TINY = "tests/levels/tiny_harvest.toml"


def test_weight_falls_linearly_to_zero_and_stays_off():
    assert teacher_coef(2.0, 100, 0) == 2.0
    assert teacher_coef(2.0, 100, 25) == pytest.approx(1.5)
    assert teacher_coef(2.0, 100, 100) == 0.0
    assert teacher_coef(2.0, 100, 10_000) == 0.0
    assert teacher_coef(0.0, 100, 0) == 0.0 and teacher_coef(1.0, 0, 0) == 0.0


def test_flat_index_inverts_the_flat_action_list():
    env = make_env(ARENA, num_worlds=1, seed=0)
    nvec = env.single_action_space.nvec
    table = flat_index(env.flat_actions, int(nvec[0]), int(nvec[1]))
    assert (table[env.flat_actions[:, 0], env.flat_actions[:, 1]] == np.arange(len(env.flat_actions))).all()
    assert (table >= 0).sum() == len(env.flat_actions)  # every other pair is unlabelled
    env.close()


class _Vec:
    """The part of a serial vector the teacher reads: its env objects."""

    def __init__(self, envs):
        self.envs = envs


def _scripted_pairs(env, obs, seed):
    p = ScriptedPolicy(seed, memoryless=True)
    p.bind(env, env.level_name)
    p.reset(env.num_agents)
    return p.act(obs)


def test_labels_are_the_scripted_choices_as_flat_indices():
    envs = [make_env(ARENA, num_worlds=1, seed=s) for s in (0, 1)]
    obs = np.concatenate([e.reset(seed=s)[0].copy() for s, e in enumerate(envs)])
    labels = Teacher("scripted", _Vec(envs), seed=3).label(obs)
    assert (labels >= 0).all()
    n = envs[0].num_agents
    for i, e in enumerate(envs):
        want = _scripted_pairs(e, obs[i * n : (i + 1) * n], 3 * 1009 + i)
        assert (e.flat_actions[labels[i * n : (i + 1) * n]] == want).all()
    for e in envs:
        e.close()


def test_the_peaceful_teacher_never_attacks_where_the_scripted_one_does():
    """kinship_harvest: two teams in one room; the scripted baseline attacks the other team, the
    `scripted_peaceful` teacher (and ScriptedPolicy(peaceful=True)) produces without attacking."""
    counts = {}
    for name in ("scripted", "scripted_peaceful"):
        env = make_env("game/levels/kinship_harvest.toml", num_worlds=8, seed=0)
        attack = env.action_names.index("attack")
        teacher = Teacher(name, _Vec([env]), seed=0)
        obs, _ = env.reset(seed=0)
        n = 0
        for _ in range(256):
            a = env.flat_actions[teacher.label(obs)]
            n += int((a[:, 0] == attack).sum())
            obs, *_ = env.step(a)
        counts[name] = n
        env.close()
    assert counts["scripted"] > 0 and counts["scripted_peaceful"] == 0, counts


def test_a_curriculum_env_is_taught_with_its_current_levels_recipes():
    env = CurriculumEnv([Entry(TINY, 1.0), Entry(HARVEST, 1.0)], 2, seed=0, sampler="weights", max_steps=8)
    obs = env.reset(seed=0)[0]
    teacher = Teacher("scripted", _Vec([env]), seed=0)
    seen = set()
    for _ in range(12 * 8):
        labels = teacher.label(obs)
        level = env.env
        want = _scripted_pairs(level, obs, 0)
        # the exploring heading is random, so compare the decisions that do not depend on it:
        # every label must be a valid pair of the current level, and uses match where a use is due
        pairs = level.flat_actions[labels]
        use = level.action_names.index("use")
        assert ((pairs[:, 0] == use) == (want[:, 0] == use)).all()
        seen.add(level.level_name)
        obs = env.step(level.flat_actions[labels])[0]
    assert seen == set(teacher.tables) == {env.envs[0].level_name, env.envs[1].level_name}
    env.close()


def test_unknown_teacher_and_the_multiprocessing_backend_are_refused():
    env = make_env(ARENA, num_worlds=1, seed=0)
    with pytest.raises(ConfigError, match="unknown teacher 'oracle'"):
        Teacher("oracle", _Vec([env]))
    with pytest.raises(ConfigError, match='vector = "serial"'):
        Teacher("scripted", object())
    env.close()
    with pytest.raises(Exception, match="teacher"):
        load_config(overrides=dict(teacher="oracle"))


def _rollout(env, policy, T=8):
    obs = torch.from_numpy(env.reset(seed=0)[0].copy())
    ro = Rollout(T, env.num_agents, env.single_observation_space.shape, "cpu")
    ro.obs[:] = obs
    with torch.no_grad():
        logits, value, _ = policy(obs)
    ro.values[:] = value
    ro.logprobs[:] = torch.log_softmax(logits, 1)[:, 0]
    return ro


def test_the_teacher_loss_pulls_the_policy_toward_the_teachers_actions():
    env = make_env(ARENA, num_worlds=1, seed=0)
    spaces = {
        "obs_shape": env.single_observation_space.shape,
        "feature_names": env.feature_names,
        "flat_action_names": env.flat_action_names,
    }
    torch.manual_seed(0)
    policy = make_policy("cnn", spaces)
    ro = _rollout(env, policy)
    target = env.flat_action_names.index("use")
    ro.teacher[:] = target
    ro.teacher[:, :3] = -1  # unlabelled rows are left out of the loss
    s = PPOSettings(
        clip=0.2,
        clip_vloss=True,
        ent_coef=0.0,
        vf_coef=0.0,
        max_grad_norm=0.5,
        update_epochs=4,
        minibatches=2,
        minibatch_size=2048,
        norm_adv=True,
        target_kl=0.0,
    )
    opt = torch.optim.Adam(policy.parameters(), lr=3e-3)

    def p_target():
        with torch.no_grad():
            return torch.softmax(policy(ro.obs[0])[0], 1)[:, target].mean().item()

    before = p_target()
    out = ppo_update(policy, opt, ro, s, teacher_coef=1.0)
    assert p_target() > before + 0.05
    assert out["losses/teacher"] > 0 and out["losses/teacher_coef"] == 1.0
    no_teacher = ppo_update(policy, opt, ro, s, teacher_coef=0.0)
    assert "losses/teacher" not in no_teacher
    env.close()


def test_training_with_the_teacher_logs_it_and_turns_it_off(tmp_path):
    c = load_config(
        overrides=dict(
            level=ARENA,
            num_worlds=1,
            num_envs=2,
            horizon=16,
            max_steps=20,
            minibatches=2,
            total_steps=6 * 2 * 24 * 16,
            teacher="scripted",
            teacher_steps=3 * 2 * 24 * 16,
            run_dir=str(tmp_path / "run"),
            quiet=True,
            torch_threads=1,
            device="cpu",
            reference=False,
        )
    )
    trainer = Trainer(c)
    try:
        seen = [trainer.epoch_once() for _ in range(6)]
    finally:
        trainer.close()
    on, off = seen[:3], seen[3:]
    assert all(0 < m["losses/teacher_coef"] <= 1 for m in on)
    assert on[0]["losses/teacher_coef"] > on[2]["losses/teacher_coef"]
    assert all(0 <= m["charts/teacher_agreement"] <= 1 for m in on)
    assert all("losses/teacher" not in m and "charts/teacher_agreement" not in m for m in off)
    assert (trainer.storage.teacher >= -1).all()


def test_the_harvest_recipe_kickstarts_from_the_scripted_teacher(tmp_path):
    from learn.training.config import read_toml

    c = load_config("recipes/harvest.toml", overrides=dict(run_dir=str(tmp_path)))
    assert (c.level, c.teacher, c.teacher_coef) == ("game/levels/harvest.toml", "scripted", 1.0)
    assert 0 < c.teacher_steps < c.total_steps == read_toml("recipes/harvest.toml")["total_steps"]


@pytest.mark.parametrize(
    "name, level, act", [("giver", "hamilton", "transfer_ore"), ("attacker", "kin_aggression", "attack_2")]
)
def test_the_social_teachers_act_on_any_neighbour_whatever_its_relatedness(name, level, act):
    """Facing the other agent with something to give (a laser to strike with), the teacher labels
    the act at r = 0 and at r = 1 alike: it teaches how, not when."""
    for r in (0.0, 1.0):
        env = make_env(level, num_worlds=1, seed=0, kinship={"mode": "random", "low": r, "high": r})
        names, fa = env.flat_action_names, np.asarray(env.flat_actions)
        obs, _ = env.reset()
        # take an ore and turn to the receiver (take a laser: the victim is on the attacker's diagonal)
        for first in ("use", "rotate_right") if level == "hamilton" else ("use",):
            obs, *_ = env.step(np.stack([fa[names.index(first)], fa[names.index("use")]]).astype(np.int32))
        labels = Teacher(name, _Vec([env]), seed=0).label(obs.copy())
        assert names[labels[0]] == act, (r, names[labels[0]])
        env.close()
