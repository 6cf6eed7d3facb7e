"""One trial of a sweep, as a function of plain data: `run_trial(task) -> result`.

The task (a dict that pickles and JSON-encodes: what a spawned worker, or a Ray task, receives):
- `storage`, `study`, `number`: the Optuna study the trial belongs to (learn/studies/sweep.py asked
  for it and tells its result; the trial only reports its curve there);
- `mailbox` (a Ray task only): the driver's Mailbox actor, through which the curve is reported
  instead (learn/studies/ray_cluster.py): only the driver opens the storage;
- `pruner`: the sweep's [pruner] table plus `max_steps` (hyperband's max resource);
- `runs`: one TrainConfig dict per training seed (run_dir, level, curriculum, threads set);
- `levels`, `metric`, `episodes`, `eval_seed`, `eval_max_steps`: the objective.

The first run reports its training curve (the mean return of the episodes that ended in each
`report_every` epochs, at its agent-step) to the study, and stops when the pruner says so; the
later seeds are not pruned (their curves would land on the same steps). Every finished run is
evaluated on every level with `learn.evaluation.evaluate.evaluate`. Returns {"state": "complete",
"value", "values"} (the objective: the metric's mean over seeds and levels; `values` per
LEVEL/seed-S), or {"state": "pruned", "step", "why"}. A run whose losses diverge (NonFiniteError)
is a pruned trial too: its configuration is a poor one, not a broken sweep.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

from learn.training.config import NonFiniteError, from_dict
from learn.training.train import Trainer


class Pruned(Exception):
    """Raised after an epoch whose curve point the pruner turned down (stops Trainer.run)."""


def open_storage(url: str):
    """The sweep's Optuna storage: a SQLite file waits up to a minute for another writer (the
    sweep process and its workers share it)."""
    import optuna

    kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def make_pruner(table: dict[str, Any]):
    """The Optuna pruner of a sweep's [pruner] table (plus `max_steps`: a trial's agent-steps)."""
    import optuna

    k = table["kind"]
    if k == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=table["startup_trials"], n_warmup_steps=table["warmup_steps"]
        )
    if k == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=max(1, table["min_steps"]),
            max_resource=int(table["max_steps"]),
            reduction_factor=table["reduction_factor"],
        )
    if k == "threshold":
        return optuna.pruners.ThresholdPruner(lower=table["lower"], upper=table["upper"])
    return optuna.pruners.NopPruner()


class Reporter:
    """The trial's curve into the study: `(epoch, step, value) -> stop?`. Each point goes to the
    study through the sweep's storage, or, in a Ray task (the task has a `mailbox`,
    learn/studies/ray_cluster.py), to the driver, which reports it there and sends the pruner's answer."""

    def __init__(self, task: dict[str, Any]):
        mailbox = task.get("mailbox")
        self.judge = _StorageJudge(task) if mailbox is None else _MailboxJudge(mailbox, int(task["number"]))
        self.every = int(task["pruner"]["report_every"])
        self.max_steps = int(task["pruner"]["max_steps"])
        self.step = 0
        self.total, self.episodes = 0.0, 0  # the episodes of the current window

    def __call__(self, epoch: int, step: int, value: float, episodes: int) -> bool:
        """One epoch's figures (`value`: the mean return of its `episodes` that ended); every
        `report_every` epochs the window's mean return is a point of the curve (none without an
        episode: the trainer's return would be an older window's)."""
        self.total += value * episodes if episodes else 0.0
        self.episodes += episodes
        if epoch % self.every or not self.episodes:
            return False
        value, self.total, self.episodes = self.total / self.episodes, 0.0, 0
        prune = self.judge(float(value), int(step))
        self.step = int(step)
        # at its last step the training is done: the evaluation costs less than what is lost
        return step < self.max_steps and prune


class _StorageJudge:
    """A curve point reported to the trial in the sweep's storage; whether the pruner stops it."""

    def __init__(self, task: dict[str, Any]):
        import optuna

        storage = open_storage(task["storage"])
        study = optuna.load_study(
            study_name=task["study"], storage=storage, pruner=make_pruner(task["pruner"])
        )
        trial_id = storage.get_trial_id_from_study_id_trial_number(
            storage.get_study_id_from_name(task["study"]), task["number"]
        )
        self.trial = optuna.trial.Trial(study, trial_id)

    def __call__(self, value: float, step: int) -> bool:
        self.trial.report(value, step)
        return self.trial.should_prune()


class _MailboxJudge:
    """A curve point sent to the driver through its Mailbox actor; waits for the pruner's answer."""

    def __init__(self, mailbox, number: int):
        self.mailbox, self.number = mailbox, number

    def __call__(self, value: float, step: int) -> bool:
        import secrets

        import ray

        key = f"{self.number}:{step}:{secrets.token_hex(4)}"
        return bool(ray.get(self.mailbox.ask.remote(key, self.number, value, step)))


class _CurveTrainer(Trainer):
    """A Trainer that hands every epoch's figures to `on_epoch` and stops when it says so."""

    def __init__(self, config, on_epoch: Callable[[int, int, float, int], bool] | None):
        self._on_epoch = on_epoch
        super().__init__(config)

    def epoch_once(self) -> dict[str, float]:
        metrics = super().epoch_once()
        ended = int(metrics.get("charts/episodes", 0))
        if self._on_epoch is not None and self._on_epoch(
            self.epoch, self.global_step, self.episode_return, ended
        ):
            raise Pruned(f"pruned at step {self.global_step}")
        return metrics


def train_run(data: dict[str, Any], on_epoch=None) -> str | None:
    """Train one run; its last checkpoint, or None when `on_epoch` stopped it (its status.json
    then says "pruned", not "failed")."""
    from learn.rundir import checkpoint as ckpt
    from learn.rundir.stats import write_status

    config = from_dict(data, "sweep trial")
    try:
        _CurveTrainer(config, on_epoch).run()
    except Pruned as e:
        status_file = Path(config.run_dir) / "status.json"
        status = json.loads(status_file.read_text()) if status_file.exists() else {}
        status.pop("error", None)
        write_status(config.run_dir, **{**status, "state": "pruned", "why": str(e)})
        return None
    return str(ckpt.list_checkpoints(Path(config.run_dir))[-1])


def run_trial(task: dict[str, Any]) -> dict[str, Any]:
    """Train, report, evaluate one trial (module docstring)."""
    from learn.evaluation.evaluate import evaluate

    reporter = Reporter(task)
    values: dict[str, float] = {}
    for i, run in enumerate(task["runs"]):
        try:
            checkpoint = train_run(run, reporter if i == 0 else None)
        except NonFiniteError as e:
            return {"state": "pruned", "step": reporter.step, "why": f"diverged: {e}"}
        if checkpoint is None:
            return {"state": "pruned", "step": reporter.step, "why": "the pruner stopped its curve"}
        for level in task["levels"]:
            r = evaluate(
                checkpoint,
                level,
                episodes=task["episodes"],
                seed=task["eval_seed"],
                max_steps=task["eval_max_steps"],
            )
            values[f"{Path(level).stem}/seed-{run['seed']}"] = float(r[task["metric"]])
    value = sum(values.values()) / len(values)
    if not math.isfinite(value):
        return {"state": "pruned", "step": reporter.step, "why": f"{task['metric']} is not finite"}
    return {"state": "complete", "value": value, "values": values}
