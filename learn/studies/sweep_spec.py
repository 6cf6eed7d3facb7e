"""A sweep file (`sweeps/*.toml`): a search space over TrainConfig (and training-level) fields,
an objective, a budget of trials, a sampler and a pruner.

    name = "arena_lr"
    level = "../game/levels/arena.toml"   # trained on and, by default, evaluated on
    config = "../recipes/arena.toml"      # a training recipe (relative to this file), optional
    budget = 12                           # trials that end complete or pruned
    [train]                               # TrainConfig fields of every trial (over the recipe)
    total_steps = 200_000
    [train_level]                         # merged onto the level for training only
    max_steps = 250
    [space.learning_rate]                 # a TrainConfig field: float, log scale
    low = 1e-4
    high = 3e-3
    log = true
    [space.hidden]
    choices = [64, 128]
    [space."level.resources.ore.reward"]  # a level field, merged onto the training level only
    low = 0.0
    high = 0.2
    [objective]
    metric = "mean_return"                # an eval metric (learn/evaluation/evaluate.py)
    direction = "maximize"
    seeds = [0]                           # training seeds per trial; the objective is the mean
    [sampler]
    kind = "tpe"                          # tpe | random | grid
    seed = 0
    [pruner]
    kind = "median"                       # none | median | hyperband | threshold
    [resources]                           # what each trial asks of a Ray cluster (`--ray`), optional
    cpus = 1

Every field is documented on its struct below. `load_sweep` checks what the file alone decides
and raises SweepError naming the file and the field; what needs the levels and TrainConfig's
limits (each value of the space builds a config and a level) is checked by learn/studies/sweep.py before
any trial trains.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from learn.studies.cluster_spec import Resources
from learn.studies.spec_file import decode_spec
from learn.studies.study_spec import _NAME
from learn.training.config import TrainConfig

# what `evaluate()` returns per checkpoint and level, and so what an objective can read
METRICS = ("mean_return", "hearts_per_agent", "std_return")

# fields the sweep sets on every trial's runs itself
SWEEP_OWNED = {"level", "seed", "run_dir", "resume"}

# a space entry `level.A.B` is the level table field A.B (merged onto the training level)
LEVEL_PREFIX = "level."


class SweepError(ValueError):
    """A bad sweep file or sweep directory (the message names which and how to fix it)."""


def _f(description: str, **kw) -> msgspec.Meta:
    return msgspec.Meta(description=description, **kw)


Choice = bool | int | float | str


class Param(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One dimension of the space: `choices`, or a range `low`..`high` (an int range when the
    field is an int, or for a level field when both ends are whole numbers)."""

    low: Annotated[int | float | None, _f("Lowest value (inclusive).")] = None
    high: Annotated[int | float | None, _f("Highest value (inclusive).")] = None
    log: Annotated[bool, _f("Sample on a log scale (low > 0).")] = False
    step: Annotated[
        int | float | None,
        _f("Values low, low + step, ... high only (> 0; needed by the grid sampler for a float range)."),
    ] = None
    choices: Annotated[list[Choice], _f("The values to choose from (instead of a range).")] = []


class Objective(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    metric: Annotated[str, _f(f"The eval metric a trial is scored by: {', '.join(METRICS)}.")] = "mean_return"
    direction: Annotated[Literal["maximize", "minimize"], _f("Whether a higher metric is better.")] = (
        "maximize"
    )
    levels: Annotated[
        list[str],
        _f(
            "Levels the trial's policy is evaluated on (default: the sweep's level, "
            "without its training-only tables)."
        ),
    ] = []
    seeds: Annotated[
        list[int],
        _f(
            "Training seeds of every trial: the objective is the metric's mean over seeds "
            "and levels; the first seed's curve is the one the pruner reads.",
            min_length=1,
        ),
    ] = msgspec.field(default_factory=lambda: [0])
    episodes: Annotated[int, _f("Eval episodes per level and seed.", ge=1)] = 8
    eval_seed: Annotated[int, _f("First eval seed (the same episodes for every trial).", ge=0)] = 100
    max_steps: Annotated[int, _f("Eval episode length (0 = the level's own).", ge=0)] = 0


class Sampler(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Annotated[
        Literal["tpe", "random", "grid"],
        _f(
            "Optuna sampler: TPE, random, or every point of the grid "
            "(choices and stepped ranges) in a seeded order."
        ),
    ] = "tpe"
    seed: Annotated[int, _f("Sampler seed: the same file proposes the same trials.", ge=0)] = 0
    startup_trials: Annotated[int, _f("TPE: random trials before it models the objective.", ge=1)] = 5


class Pruner(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Annotated[
        Literal["none", "median", "hyperband", "threshold"],
        _f(
            "Optuna pruner: stops a trial whose training curve (the mean episode return) falls behind "
            "(median: the other trials' median at the same step; hyperband; threshold: lower/upper)."
        ),
    ] = "median"
    report_every: Annotated[
        int, _f("Epochs between two points of a trial's curve (each read by the pruner).", ge=1)
    ] = 1
    warmup_steps: Annotated[int, _f("median: agent-steps before a trial can be pruned.", ge=0)] = 0
    startup_trials: Annotated[int, _f("median: trials that finish before any is pruned.", ge=0)] = 2
    min_steps: Annotated[
        int, _f("hyperband: agent-steps every trial gets (its min_resource; 0 = one epoch).", ge=0)
    ] = 0
    reduction_factor: Annotated[
        int, _f("hyperband: the share 1/N of trials promoted at each rung.", ge=2)
    ] = 3
    lower: Annotated[float | None, _f("threshold: prune a curve that goes below this.")] = None
    upper: Annotated[float | None, _f("threshold: prune a curve that goes above this.")] = None


class Sweep(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, _f("Sweep name (default output: runs/sweep-NAME).", pattern=_NAME)]
    description: Annotated[str, _f("What the sweep is, one line.")] = ""
    level: Annotated[str, _f("Level file trained on (relative to this file, or a name in game/levels).")]
    config: Annotated[
        str, _f("Training recipe TOML (TrainConfig fields), relative to this file or a recipe name.")
    ] = ""
    budget: Annotated[int, _f("Trials that end complete or pruned (failed ones are tried again).", ge=1)]
    train: Annotated[dict[str, Any], _f("TrainConfig fields of every trial (over the recipe).")] = {}
    train_level: Annotated[dict[str, Any], _f("Level tables merged onto the level for training only.")] = {}
    space: Annotated[
        dict[str, Param],
        _f(
            "The search space: TrainConfig field names, or `level.TABLE.FIELD` for "
            "a field of the training level.",
            min_length=1,
        ),
    ]
    objective: Objective = msgspec.field(default_factory=Objective)
    sampler: Sampler = msgspec.field(default_factory=Sampler)
    pruner: Pruner = msgspec.field(default_factory=Pruner)
    resources: Annotated[
        Resources,
        _f(
            "What each trial asks of a Ray cluster (`--ray`): cpus, gpus, retries "
            "(learn/studies/cluster_spec.py)."
        ),
    ] = msgspec.field(default_factory=Resources)


def load_sweep(path: str | Path) -> tuple[Sweep, Path]:
    """(the sweep, its file's resolved path); SweepError names the file and the field."""
    p = Path(path)
    sweep = decode_spec(p, Sweep, SweepError, "sweep", "sweeps")
    _check(sweep, p)
    return sweep, p.resolve()


def is_level_param(name: str) -> bool:
    return name.startswith(LEVEL_PREFIX)


def level_table(name: str, value: Any) -> dict[str, Any]:
    """The level tables that set space entry `level.A.B` to value: {"A": {"B": value}}."""
    out: Any = value
    for part in reversed(name[len(LEVEL_PREFIX) :].split(".")):
        out = {part: out}
    return out


def kind(name: str, p: Param) -> str:
    """ "categorical", "int" or "float": an int range for an int TrainConfig field, or for a level
    field whose ends (and step) are whole numbers."""
    if p.choices:
        return "categorical"
    if not is_level_param(name):
        return "int" if _field_type(name) is int else "float"
    ends = [p.low, p.high] + ([p.step] if p.step is not None else [])
    return "int" if all(isinstance(v, int) and not isinstance(v, bool) for v in ends) else "float"


def grid_values(name: str, p: Param) -> list[Any]:
    """The points of a discrete dimension: its choices, or its stepped range."""
    if p.choices:
        return list(p.choices)
    n = int(math.floor((p.high - p.low) / p.step + 1e-9))
    vals = [p.low + i * p.step for i in range(n + 1)]
    return [int(v) for v in vals] if kind(name, p) == "int" else [round(v, 12) for v in vals]


def _field_type(name: str) -> Any:
    from typing import get_type_hints

    return get_type_hints(TrainConfig)[name]  # Annotated stripped: int, float, bool, a Literal...


def _check(s: Sweep, p: Path) -> None:
    owned = sorted(SWEEP_OWNED & set(s.train))
    if owned:
        raise SweepError(
            f"{p}: $.train: {', '.join(owned)} are set by the sweep for every trial (the level from "
            f"`level`, seeds from [objective] seeds, run directories from --out)"
        )
    fields = [f for f in TrainConfig.__struct_fields__ if f not in SWEEP_OWNED]
    for name, param in s.space.items():
        where = f"$.space.{name}" if "." not in name else f'$.space."{name}"'
        if is_level_param(name):
            if not all(name[len(LEVEL_PREFIX) :].split(".")):
                raise SweepError(
                    f"{p}: {where}: a level field is written `level.TABLE.FIELD` (e.g. "
                    f'"level.resources.ore.reward")'
                )
        elif name not in TrainConfig.__struct_fields__:
            near = difflib.get_close_matches(name, fields, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise SweepError(
                f"{p}: {where}: unknown TrainConfig field {name!r}; {hint}a space entry is a TrainConfig "
                f"field (python -m learn train --help) or `level.TABLE.FIELD` for a level field"
            )
        elif name in SWEEP_OWNED or name == "curriculum":
            raise SweepError(f"{p}: {where}: {name} cannot be searched (the sweep sets it for every trial)")
        _check_param(name, param, where, p)
    m = s.objective.metric
    if m not in METRICS:
        raise SweepError(f"{p}: $.objective.metric: unknown metric {m!r}; known: {', '.join(METRICS)}")
    seeds = s.objective.seeds
    if len(set(seeds)) != len(seeds) or any(x < 0 for x in seeds):
        raise SweepError(f"{p}: $.objective.seeds: give distinct seeds >= 0, got {seeds}")
    if s.sampler.kind == "grid":
        size = 1
        for name, param in s.space.items():
            if not param.choices and param.step is None and kind(name, param) == "float":
                raise SweepError(
                    f'{p}: $.space."{name}": the grid sampler needs discrete values: give `choices`, '
                    f"or a `step` for the range"
                )
            size *= len(grid_values(name, param))
        if s.budget > size:
            raise SweepError(
                f"{p}: $.budget: {s.budget} trials, but the grid has only {size} points; lower the "
                f"budget to {size} at most"
            )
    pr = s.pruner
    if pr.kind == "threshold" and pr.lower is None and pr.upper is None:
        raise SweepError(f"{p}: $.pruner: a threshold pruner needs `lower` or `upper` (or both)")
    if pr.lower is not None and pr.upper is not None and pr.lower > pr.upper:
        raise SweepError(f"{p}: $.pruner.lower: {pr.lower} is above upper {pr.upper}")


def _check_param(name: str, q: Param, where: str, p: Path) -> None:
    if q.choices:
        if q.low is not None or q.high is not None or q.step is not None or q.log:
            raise SweepError(
                f"{p}: {where}: give either `choices` or a range (low, high, step, log), not both"
            )
        if len({repr(c) for c in q.choices}) != len(q.choices):
            raise SweepError(f"{p}: {where}.choices: each value once, got {q.choices}")
        return
    if not is_level_param(name) and _field_type(name) not in (int, float):
        raise SweepError(f"{p}: {where}: {name} is not a number; give its values as `choices`")
    if q.low is None or q.high is None:
        raise SweepError(f"{p}: {where}: give `low` and `high` (a range) or `choices`")
    if q.step is not None and q.step <= 0:
        raise SweepError(f"{p}: {where}.step: must be above 0, got {q.step}")
    if not q.low < q.high:
        raise SweepError(f"{p}: {where}: low ({q.low}) must be below high ({q.high})")
    if q.log and q.low <= 0:
        raise SweepError(f"{p}: {where}.low: a log scale needs low > 0, got {q.low}")
    if q.log and q.step is not None:
        raise SweepError(
            f"{p}: {where}: `log` and `step` do not go together (Optuna samples one or the other)"
        )
    if kind(name, q) == "int" and not is_level_param(name):
        bad = [
            k
            for k in ("low", "high", "step")
            if getattr(q, k) is not None and not isinstance(getattr(q, k), int)
        ]
        if bad:
            raise SweepError(f"{p}: {where}.{bad[0]}: {name} is a whole number, got {getattr(q, bad[0])}")
