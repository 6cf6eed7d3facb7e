"""What runs a training: the trainer and its loop (train.py: `train(config)`, `Trainer`), PPO (ppo.py),
the configuration (config.py), curricula (curriculum.py), the kickstarting teacher (teacher.py), the
vector of envs (envs.py), data-parallel training under torchrun (distributed.py), `--resume`
(resume.py), the console progress, timings and summary (progress.py, timing.py, summary.py),
episode figures (episodes.py), TensorBoard (tracking.py), evaluation during training
(periodic_eval.py) and the policy's own compute bound of `learn bench` (bound.py)."""
