"""The training configuration: one msgspec Struct, loaded from TOML plus command-line overrides.

Precedence, lowest first: the defaults below, a TOML file (`--config FILE`, or the run's own
`config.toml` when resuming), then command-line flags. Every field has a default and a
description (shown by `python -m learn train --help`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from game.rules.limits import MAX_STEPS


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message says which field and why."""


class NonFiniteError(RuntimeError):
    """A run's losses became NaN or inf: it stops (exit 2, one line), keeping its last good checkpoint."""


def _f(description: str, **kw: Any) -> msgspec.Meta:
    return msgspec.Meta(description=description, **kw)


class CurriculumLevel(msgspec.Struct, forbid_unknown_fields=True):
    """One level of a curriculum (`[[curriculum]]` tables in a config TOML)."""

    level: str
    weight: Annotated[float, msgspec.Meta(gt=0)] = 1.0


class TrainConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Everything a training run needs; the resolved copy is saved as `config.toml` in the run."""

    # ---- what to train on ------------------------------------------------------------------
    level: Annotated[
        str, _f("Level TOML file to train on (with a curriculum: the level the run is scored on).")
    ] = "game/levels/arena.toml"
    curriculum: Annotated[
        list[CurriculumLevel],
        _f(
            "Levels to train on, with weights (learn/training/curriculum.py); on the command line "
            '"a.toml:1,b.toml:3". Empty: train on `level` alone.'
        ),
    ] = []
    curriculum_sampler: Annotated[
        Literal["learning_progress", "weights"],
        _f("How a curriculum picks each episode's level: by learning progress, or by the plain weights."),
    ] = "learning_progress"
    total_steps: Annotated[int, _f("Agent-steps to train for (summed over all agents).", ge=1)] = 20_000_000
    num_worlds: Annotated[
        int,
        _f(
            "Worlds simulated by each env (agents = worlds * agents per world; with a curriculum, "
            "worlds of its most crowded level).",
            ge=1,
        ),
    ] = 32
    num_envs: Annotated[int, _f("Env objects in the vector (each with num_worlds worlds).", ge=1)] = 1
    vector: Annotated[Literal["serial", "multiprocessing"], _f("pufferlib.vector backend for the envs.")] = (
        "serial"
    )
    num_workers: Annotated[
        int, _f("Worker processes for the multiprocessing backend (0 = num_envs).", ge=0)
    ] = 0
    max_steps: Annotated[
        int, _f("Episode length override (0 = the level's own max_steps).", ge=0, le=MAX_STEPS)
    ] = 0
    seed: Annotated[
        int, _f("Seed for the envs (world w of env e gets seed + e + w) and for torch.", ge=0, le=2**63 - 1)
    ] = 0
    device: Annotated[
        str, _f('Torch device: "auto" (cuda if available, else cpu), "cpu", "cuda", "cuda:1"...')
    ] = "auto"
    torch_threads: Annotated[int, _f("torch CPU threads (0 = all cores).", ge=0)] = 0

    # ---- the policy ------------------------------------------------------------------------
    policy: Annotated[
        str,
        _f(
            'Registered policy name: "typed" (default, feed-forward: a CNN over cells read by building '
            "type, the agent's own state and the cell in front; learn/policies/typed_encoder.py), "
            '"cnn" (the lean CNN over raw channels), "grid" (each cell read apart; '
            "learn/policies/cell_encoder.py) or "
            '"lstm".'
        ),
    ] = "typed"
    hidden: Annotated[int, _f("Width of the policy's hidden layers.", ge=8)] = 128
    egocentric: Annotated[
        bool,
        _f(
            "Turn each observation so the agent's facing is up (learn/policies/egocentric.py); "
            "--no-egocentric for the game's own frame."
        ),
    ] = True

    # ---- PPO -------------------------------------------------------------------------------
    horizon: Annotated[int, _f("Env steps per rollout, per agent; also the LSTM's BPTT length.", ge=2)] = 64
    learning_rate: Annotated[float, _f("Adam learning rate.", gt=0)] = 1e-3
    anneal_lr: Annotated[bool, _f("Decay the learning rate linearly to 0 over total_steps.")] = False
    adam_eps: Annotated[float, _f("Adam epsilon.", gt=0)] = 1e-5
    gamma: Annotated[float, _f("Discount factor.", ge=0, le=1)] = 0.99
    gae_lambda: Annotated[float, _f("GAE lambda.", ge=0, le=1)] = 0.95
    clip: Annotated[float, _f("PPO ratio clip.", gt=0)] = 0.2
    clip_vloss: Annotated[bool, _f("Clip the value loss around the rollout's values.")] = True
    ent_coef: Annotated[float, _f("Entropy bonus coefficient.", ge=0)] = 0.01
    ent_coef_final: Annotated[
        float,
        _f(
            "The entropy bonus at the end of the run: it moves linearly from ent_coef to "
            "this over total_steps (-1 = constant ent_coef). Much exploration early, a "
            "sharp policy late.",
            ge=-1,
        ),
    ] = -1.0
    vf_coef: Annotated[float, _f("Value loss coefficient.", ge=0)] = 0.5
    max_grad_norm: Annotated[float, _f("Gradient norm clip.", gt=0)] = 0.5
    update_epochs: Annotated[int, _f("Passes over each rollout (4: docs/training.md has the A/B).", ge=1)] = 4
    minibatch_size: Annotated[
        int,
        _f(
            "Samples per gradient step: each pass cuts the rollout into horizon * agents / this minibatches.",
            ge=1,
        ),
    ] = 2048
    minibatches: Annotated[
        int,
        _f(
            "Minibatches per pass, overriding minibatch_size (0 = from minibatch_size; recurrent policies "
            "split over agents, whole sequences).",
            ge=0,
        ),
    ] = 0
    norm_adv: Annotated[bool, _f("Normalize advantages per minibatch.")] = True
    target_kl: Annotated[
        float, _f("Stop the passes early when approx KL exceeds this (0 = never).", ge=0)
    ] = 0.0

    # ---- kickstarting (learn/training/teacher.py) ----------------------------------------------------
    teacher: Annotated[
        Literal["", "scripted", "scripted_peaceful", "giver", "attacker"],
        _f(
            'Kickstart from a teacher: "scripted" (the scripted baseline) labels the states the policy '
            "visits and the loss pulls the policy toward its actions, with a weight falling to 0; "
            '"scripted_peaceful": the same without its attack and flee rules; "giver" / "attacker": turn '
            "to any agent beside and give (strike) it whatever its relatedness, produce otherwise (how to "
            'act, never when); "" = none.'
        ),
    ] = ""
    teacher_coef: Annotated[float, _f("The teacher loss's starting weight.", ge=0)] = 1.0
    teacher_steps: Annotated[
        int, _f("Agent-steps over which the teacher's weight falls linearly to 0 (then it is off).", ge=0)
    ] = 5_000_000

    # ---- the run ---------------------------------------------------------------------------
    run_dir: Annotated[str, _f('Run directory; "" = runs/<level>-<time>.')] = ""
    checkpoint_interval: Annotated[
        int, _f("Epochs between checkpoints (one is always written at the end).", ge=1)
    ] = 50
    keep_checkpoints: Annotated[int, _f("Checkpoints kept in the run (oldest deleted first).", ge=1)] = 3
    resume: Annotated[bool, _f("Continue the run in run_dir from its last checkpoint.")] = False
    quiet: Annotated[bool, _f("No progress bar and no summary (for scripts).")] = False
    reference: Annotated[
        bool,
        _f(
            "Score the random and scripted baselines on the level first (cached; "
            "learn/evaluation/reference.py), shown beside the run's return in the summary and the monitor."
        ),
    ] = True
    final_eval: Annotated[
        int,
        _f(
            "Episodes of `level` that the final checkpoint plays when training ends (as `python -m learn "
            "eval CKPT LEVEL --episodes N` does; results in the run's DuckDB and the summary); 0 = none.",
            ge=0,
        ),
    ] = 8

    # ---- tracking and periodic evaluation (learn/training/tracking.py, learn/training/periodic_eval.py) ----
    tensorboard: Annotated[
        bool,
        _f(
            "Write TensorBoard event files in RUN/tb (the scalars of metrics.jsonl; "
            "`tensorboard --logdir runs/`); --no-tensorboard for none."
        ),
    ] = True
    tags: Annotated[
        dict[str, str],
        _f(
            "Labels of the run (a study sets study, arm and seed): in status.json and in TensorBoard "
            "(text and hparams); on the command line --tag KEY=VALUE, repeatable."
        ),
    ] = {}
    eval_interval: Annotated[
        int,
        _f(
            "Epochs between evaluations of the current policy on eval_levels during training (0 = none); the "
            "best-scoring policy is kept as RUN/checkpoints/best.pt.",
            ge=0,
        ),
    ] = 0
    eval_levels: Annotated[
        list[str],
        _f(
            "What the periodic evaluation plays: level files and eval suite names "
            '(learn/evaluation/suites.py); on the command line "a.toml,harvest". Empty: `level`.'
        ),
    ] = []
    eval_episodes: Annotated[int, _f("Episodes per level of each periodic evaluation.", ge=1)] = 4

    # ---- distributed (only under torchrun; see docs/distributed.md) ---------------------------
    backend: Annotated[
        Literal["auto", "gloo", "nccl"],
        _f('torch.distributed backend under torchrun: "auto" (nccl on CUDA, gloo on CPU), "gloo" or "nccl".'),
    ] = "auto"
    dist_timeout: Annotated[
        float, _f("Seconds a collective waits for the other ranks before the job fails (a hung rank).", gt=0)
    ] = 300.0


FIELD_DOCS: dict[str, str] = {}
for _name, _typ in TrainConfig.__annotations__.items():
    _meta = [m for m in getattr(eval(_typ, globals()) if isinstance(_typ, str) else _typ, "__metadata__", ())]
    FIELD_DOCS[_name] = next((m.description for m in _meta if isinstance(m, msgspec.Meta)), "")


def to_dict(config: TrainConfig) -> dict[str, Any]:
    return msgspec.to_builtins(config)


def from_dict(data: dict[str, Any], where: str = "config") -> TrainConfig:
    try:
        return msgspec.convert(data, TrainConfig)
    except msgspec.ValidationError as e:
        raise ConfigError(f"{where}: {e}") from None


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Defaults, then the TOML file at `path` (if any), then `overrides` (None values ignored)."""
    data: dict[str, Any] = read_toml(path) if path is not None else {}
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return from_dict(data, str(path) if path else "config")


def dumps(config: TrainConfig) -> str:
    """The config as TOML, one commented line per field."""
    lines = []
    for name, value in to_dict(config).items():
        lines.append(f"# {FIELD_DOCS.get(name, '')}")
        lines.append(_toml_line(name, value))
    return "\n".join(lines) + "\n"


def _toml_line(name: str, value: Any) -> str:
    """`name = value` on one line: a list of tables (the curriculum) inline, since as `[[name]]`
    tables (what the encoder writes for long ones) every field after it would belong to its last table.
    A table (the tags) is inline for the same reason."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        tables = ("{ " + ", ".join(_toml_line(k, v) for k, v in t.items()) + " }" for t in value)
        return f"{name} = [" + ", ".join(tables) + "]"
    if isinstance(value, dict):
        return f"{name} = {{ " + ", ".join(_toml_line(k, v) for k, v in value.items()) + " }"
    return msgspec.toml.encode({name: value}).decode().strip()


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        raise ConfigError(
            f'device {device!r}: not a torch device (use "auto", "cpu", "cuda" or "cuda:N")'
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"device {device!r}: CUDA is not available on this machine (use --device cpu or auto)"
        )
    if kind not in ("cpu", "cuda"):
        raise ConfigError(f'device {device!r}: only "cpu" and "cuda" devices are supported (or "auto")')
    return device


def check_policy(name: str) -> None:
    """ConfigError unless `name` is a registered policy (learn/policies/policy.py)."""
    from learn.policies.policy import POLICIES

    if name not in POLICIES:
        raise ConfigError(f"policy: unknown policy {name!r}; registered: {', '.join(sorted(POLICIES))}")


def default_run_dir(level: str) -> str:
    return str(Path("runs") / f"{Path(level).stem}-{time.strftime('%Y%m%d-%H%M%S')}")


def data_dir() -> Path:
    """Where results go that belong to no run (a baseline's eval): `$KINSHIP_GRID_DATA`, else
    `$XDG_DATA_HOME/kinship-grid`, else `~/.local/share/kinship-grid`; never the current directory."""
    if os.environ.get("KINSHIP_GRID_DATA"):
        return Path(os.environ["KINSHIP_GRID_DATA"])
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kinship-grid"


def level_file(level: str | Path, what: str = "level file") -> Path:
    """The level file that `level` names (game.load.level.resolve_path: a path, a name in game/levels,
    or a project path from any directory); ConfigError if there is none."""
    from game.load.level import LevelError, resolve_path

    try:
        return resolve_path(level)
    except LevelError:
        raise ConfigError(f"{what} {level} not found") from None


RECIPES_DIR = Path(__file__).resolve().parents[2] / "recipes"


def recipe_file(path: str | Path) -> Path:
    """The recipe (config TOML) that `path` names: a path, else a shipped recipe by name from any
    directory (`arena`, `arena.toml`, or `../recipes/arena.toml` written in a study copied elsewhere),
    as levels resolve by name; the path as given when none exists (read_toml names it)."""
    p = Path(path)
    if p.exists():
        return p
    # a mistyped folder of the user's own must not turn into a shipped recipe of the same name
    if not (p.parent == Path(".") or (p.parent.name == "recipes" and not p.parent.exists())):
        return p
    for candidate in (RECIPES_DIR / p.name, RECIPES_DIR / f"{p.name}.toml"):
        if candidate.is_file():
            return candidate
    return p


def read_toml(path: str | Path) -> dict[str, Any]:
    """A config TOML file as a dict, checked against TrainConfig (ConfigError names the file)."""
    p = recipe_file(path)
    try:
        data = msgspec.toml.decode(p.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except msgspec.DecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{p}: not a UTF-8 text file (byte {e.start}); save it as UTF-8") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a TOML table")
    from_dict(data, str(p))
    return data
