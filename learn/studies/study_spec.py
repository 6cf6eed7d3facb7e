"""A study file (`studies/*.toml`): arms x seeds, the training recipe, the evaluation.

    name = "kinship"
    question = "Does kinship change how learned agents treat each other?"
    seeds = [0, 1, 2]
    config = "../recipes/arena.toml"     # a training recipe (relative to this file), optional
    [train]                              # TrainConfig fields for every arm (over the recipe)
    total_steps = 2_000_000
    curriculum = [{ level = "harvest", weight = 1 }, { level = "../game/levels/arena.toml", weight = 2 }]
    [train_level]                        # merged onto each arm's level for training only
    max_steps = 250
    [eval]
    episodes = 8
    [resources]                          # what each run asks of a Ray cluster (`--ray`), optional
    cpus = 1
    [[arms]]
    name = "teams"
    level = "../game/levels/kinship_teams.toml"
    overrides = { kinship = { mode = "none" } }   # merged onto the level (training and eval)

Every field is documented on its struct below; paths are relative to the study file (or a
name in game/levels). A curriculum (in the recipe, [train] or an arm's train; the last of them
that sets one gives the whole list) is trained with the arm's overrides and training-only
tables merged onto each of its levels; its level paths are relative to the file that names them.
The arm's level stays the one its runs are evaluated on. `load_study` checks the file and raises
StudyError naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from learn.evaluation.coop import COOP_COLUMNS
from learn.studies.cluster_spec import Resources
from learn.studies.spec_file import decode_spec

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# what a report shows when the study names no metrics (columns of suite_episodes, learn/evaluation/coop.py)
DEFAULT_METRICS = [
    "hearts",
    "mean_return",
    "equality",
    "sustainability",
    "peace",
    "attack_kin",
    "attack_non_kin",
    "given_kin",
    "given_non_kin",
    "stolen",
    "frozen_ticks",
]


class StudyError(ValueError):
    """A bad study file or study directory (the message names which and how to fix it)."""


def _f(description: str, **kw) -> msgspec.Meta:
    return msgspec.Meta(description=description, **kw)


class Arm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[
        str, _f("Arm name (letters, digits, _ . -): its runs go to runs/NAME/seed-S.", pattern=_NAME)
    ]
    level: Annotated[str, _f("Level file (default: the study's `level`).")] = ""
    overrides: Annotated[
        dict[str, Any], _f("Level tables merged onto the level, for training and eval.")
    ] = {}
    train: Annotated[
        dict[str, Any], _f("TrainConfig fields for this arm only (over the study's [train]).")
    ] = {}
    train_level: Annotated[
        dict[str, Any], _f("Level tables merged for training only (over the study's).")
    ] = {}
    x: Annotated[float | None, _f("The arm's position on the study's x axis (e.g. relatedness r).")] = None
    threshold: Annotated[
        float | None, _f("The arm's own predicted threshold (e.g. its c/b), over the study's.")
    ] = None
    reference: Annotated[
        bool,
        _f(
            "A reference arm (e.g. trained at a fixed r): evaluated, drawn and fitted like "
            "the others, but not tested against the prediction."
        ),
    ] = False


class Eval(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    episodes: Annotated[
        int, _f("Eval episodes per run (each in its own world, seeds seed..seed+episodes-1).", ge=1)
    ] = 8
    seed: Annotated[int, _f("First eval seed (the same episodes for every arm and seed).", ge=0)] = 100
    max_steps: Annotated[int, _f("Eval episode length (0 = the arm's level's own).", ge=0)] = 0
    baselines: Annotated[
        list[str],
        _f(
            'Baselines scored once per arm on the same episodes ("random", '
            '"scripted", "control": the study\'s scripted control, learn/evaluation/control.py).'
        ),
    ] = msgspec.field(default_factory=lambda: ["random", "scripted"])
    relatedness: Annotated[
        list[float],
        _f(
            "A grid of relatedness values: every policy is evaluated at each, on the "
            "same episodes, with K = r between every two agents (a dose-response "
            "curve; 0.1 apart or finer). Empty: each arm's own kinship."
        ),
    ] = []


class Ratio(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, _f("Name of the derived metric in the report.", pattern=_NAME)]
    numerator: Annotated[str, _f("suite_episodes column summed over a run's episodes.")]
    denominator: Annotated[str, _f("suite_episodes column summed over the same episodes.")]
    description: str = ""


class Study(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, _f("Study name (default output: runs/study-NAME).", pattern=_NAME)]
    description: Annotated[str, _f("What the study is, one line.")] = ""
    question: Annotated[str, _f("The question the report answers.")] = ""
    seeds: Annotated[list[int], _f("Training seeds; every arm trains once per seed.", min_length=1)]
    level: Annotated[str, _f("Default level for arms that name none.")] = ""
    config: Annotated[
        str,
        _f(
            "Training recipe TOML (TrainConfig fields); its level is the arm's; its curriculum, if any, "
            "is trained with the arm's overrides merged onto each of its levels."
        ),
    ] = ""
    train: Annotated[dict[str, Any], _f("TrainConfig fields for every arm (over the recipe).")] = {}
    train_level: Annotated[
        dict[str, Any], _f("Level tables merged onto every arm's level for training only.")
    ] = {}
    eval: Eval = msgspec.field(default_factory=Eval)
    metrics: Annotated[
        list[str], _f("suite_episodes columns the report shows (learn/evaluation/coop.py).")
    ] = msgspec.field(default_factory=lambda: list(DEFAULT_METRICS))
    ratios: Annotated[list[Ratio], _f("Derived metrics: sum(numerator) / sum(denominator) per run.")] = []
    x_label: Annotated[str, _f("Meaning of the arms' `x` (a chart of each metric against x is drawn).")] = ""
    threshold: Annotated[
        float | None,
        _f(
            "The predicted threshold (e.g. Hamilton's r = c/b): marked on the charts, "
            "played by the control, compared with the fitted r*."
        ),
    ] = None
    threshold_label: str = ""
    act: Annotated[
        Literal["", "give", "attack"],
        _f(
            "The act whose rate per opportunity (learn/evaluation/pairs.py) the dose-"
            "response reads: give (predicted to rise with r) or attack "
            "(predicted to fall)."
        ),
    ] = ""
    actors: Annotated[
        list[str],
        _f("Groups whose acts the dose-response reads and the control plays (default: every group)."),
    ] = []
    arms: Annotated[list[Arm], _f("The arms compared.", min_length=1)]
    resources: Annotated[
        Resources,
        _f(
            "What each run asks of a Ray cluster (`--ray`): cpus, gpus, retries "
            "(learn/studies/cluster_spec.py)."
        ),
    ] = msgspec.field(default_factory=Resources)


# the fields a study sets on every run itself (a curriculum it takes, with the arm's overrides on)
_STUDY_OWNED = {"level", "seed", "run_dir", "resume"}


def load_study(path: str | Path) -> tuple[Study, Path]:
    """(the study, its file's resolved path); StudyError names the file and the field."""
    p = Path(path)
    study = decode_spec(p, Study, StudyError, "study", "studies")
    _check(study, p)
    missing = [r.name for r in study.ratios if r.name not in study.metrics]
    if missing:  # a ratio is defined to be reported: one left out of `metrics` is shown after them
        study = msgspec.structs.replace(study, metrics=[*study.metrics, *missing])
    return study, p.resolve()


def _check(s: Study, p: Path) -> None:
    names = [a.name for a in s.arms]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise StudyError(f"{p}: $.arms: arm names must be unique; repeated: {', '.join(dup)}")
    if len(set(s.seeds)) != len(s.seeds) or any(x < 0 for x in s.seeds):
        raise StudyError(f"{p}: $.seeds: give distinct seeds >= 0, got {s.seeds}")
    for i, a in enumerate(s.arms):
        if not (a.level or s.level):
            raise StudyError(
                f"{p}: $.arms[{i}].level: arm {a.name!r} names no level and the study has no `level`"
            )
    for where, d in [("train", s.train)] + [(f"arms[{i}].train", a.train) for i, a in enumerate(s.arms)]:
        owned = sorted(_STUDY_OWNED & set(d))
        if owned:
            raise StudyError(
                f"{p}: $.{where}: {', '.join(owned)} are set by the study for every run "
                f"(levels come from the arms, seeds from `seeds`, run directories from --out)"
            )
    if not s.metrics:
        raise StudyError(
            f"{p}: $.metrics: give at least one metric, or leave `metrics` out for the defaults "
            f"({', '.join(DEFAULT_METRICS)})"
        )
    known = set(COOP_COLUMNS) | {r.name for r in s.ratios}
    for i, m in enumerate(s.metrics):
        if m not in known:
            raise StudyError(f"{p}: $.metrics[{i}]: unknown metric {m!r}; known: {', '.join(sorted(known))}")
    for i, r in enumerate(s.ratios):
        for side in ("numerator", "denominator"):
            if getattr(r, side) not in COOP_COLUMNS:
                raise StudyError(
                    f"{p}: $.ratios[{i}].{side}: unknown column {getattr(r, side)!r}; "
                    f"known: {', '.join(COOP_COLUMNS)}"
                )
    for i, b in enumerate(s.eval.baselines):
        if b not in ("random", "scripted", "control"):
            raise StudyError(
                f'{p}: $.eval.baselines[{i}]: unknown baseline {b!r}; use "random", "scripted" or "control"'
            )
    twice = sorted({b for b in s.eval.baselines if s.eval.baselines.count(b) > 1})
    if twice:
        raise StudyError(f"{p}: $.eval.baselines: each baseline once; repeated: {', '.join(twice)}")
    grid = s.eval.relatedness
    if grid:
        if len(set(grid)) != len(grid) or len(grid) < 3 or any(not -1 <= r <= 1 for r in grid):
            raise StudyError(
                f"{p}: $.eval.relatedness: give at least 3 distinct values in [-1, 1], got {grid}"
            )
        if not s.act:
            raise StudyError(
                f'{p}: $.act: a relatedness grid needs the act it reads: act = "give" or "attack"'
            )
    if "control" in s.eval.baselines and not s.act:
        raise StudyError(f'{p}: $.act: the control plays the prediction for an act: act = "give" or "attack"')
    for i, a in enumerate(s.arms):
        t = predicted(s, a)
        where = f"arms[{i}].threshold" if a.threshold is not None else "threshold"
        if "control" in s.eval.baselines and t is None:
            raise StudyError(
                f"{p}: $.{where}: the control plays the prediction: arm {a.name!r} needs a threshold"
            )
        if t is not None and grid and not min(grid) < t < max(grid):
            raise StudyError(
                f"{p}: $.{where}: the prediction {t} lies outside the relatedness grid "
                f"[{min(grid)}, {max(grid)}]: the dose-response cannot show it"
            )
    if s.x_label and any(a.x is None for a in s.arms):
        missing = [a.name for a in s.arms if a.x is None]
        raise StudyError(
            f"{p}: $.arms: x_label is set, so every arm needs `x`; missing in {', '.join(missing)}"
        )


def predicted(study: Study, arm: Arm) -> float | None:
    """The arm's predicted threshold: its own, else the study's."""
    return arm.threshold if arm.threshold is not None else study.threshold
