"""A sweep's report, from its Optuna study (`OUT/optuna.db`, the one home of its results):
- `best.toml`: the best trial's TrainConfig, ready for `python -m learn train --config best.toml`
  (and `best_level.toml`, its training level, when the sweep searches level fields);
- `history.png`: the objective of every trial in order, pruned ones marked, the best so far;
- `importance.png`: each parameter's importance (Optuna's default PED-ANOVA evaluator, which
  needs no scikit-learn) over the complete trials;
- `curves.png`: every trial's training curve (the mean episode return the pruner read);
- every figure also as SVG (learn/evaluation/figures.py); `summary.json` (the trials) and `report.md`.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from matplotlib.ticker import MaxNLocator

from learn.evaluation.figures import LABEL_SIZE, TITLE_SIZE, colors_for, new_figure, save
from learn.rundir.atomic import write_text
from learn.training.config import dumps, from_dict


def write_report(runner) -> dict[str, Path]:
    """Write the report of `runner` (a learn.studies.sweep.SweepRunner) from its study; the paths written."""
    from optuna.trial import TrialState

    if not (runner.out / "optuna.db").exists():
        from learn.studies.sweep_spec import SweepError

        raise SweepError(
            f"{runner.out}: no sweep there yet (no optuna.db); run the sweep first, or give its --out"
        )
    study = runner.open_study()
    trials = [t for t in study.get_trials(deepcopy=False) if t.state != TrialState.WAITING]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = study.best_trial if complete else None
    out = runner.out
    paths: dict[str, Path] = {}
    if best is not None:
        paths["best"] = write_best(runner, best)
    importances, why = _importances(study, complete)
    paths["history"] = _history(runner, trials, out / "history.png")
    paths["importance"] = _importance_figure(importances, why, out / "importance.png")
    paths["curves"] = _curves(trials, best, out / "curves.png")
    summary = {
        "sweep": runner.sweep.name,
        "metric": runner.sweep.objective.metric,
        "direction": runner.sweep.objective.direction,
        "budget": runner.sweep.budget,
        "best": None if best is None else {"number": best.number, "value": best.value, "params": best.params},
        "importances": importances,
        "trials": [
            {
                "number": t.number,
                "state": t.state.name,
                "params": t.params,
                # a pruned trial's Optuna value is its last curve point, not the metric
                "value": t.value if t.state == TrialState.COMPLETE else None,
                "curve": {str(k): v for k, v in sorted(t.intermediate_values.items())},
                **{k: t.user_attrs[k] for k in ("values", "why", "error", "dir") if k in t.user_attrs},
            }
            for t in trials
        ],
    }
    paths["summary"] = write_text(out / "summary.json", json.dumps(summary, indent=1) + "\n")
    paths["md"] = write_text(out / "report.md", _markdown(runner, trials, best, importances, why, paths))
    return paths


def best_config(runner, params: dict[str, Any]) -> dict[str, Any]:
    """The TrainConfig fields of a trial with these parameters, as `learn train` would run it
    alone: the sweep's config (not its trial settings), the parameters, the first seed."""
    level = runner.level_fields(params, runner.out / "best_level.toml")
    return {**runner.config, **runner.config_fields(params), **level, "seed": runner.sweep.objective.seeds[0]}


def write_best(runner, best) -> Path:
    config = from_dict(best_config(runner, best.params), "best trial")
    head = (
        f"# The best trial ({best.number}) of sweep {runner.sweep.name} ({runner.file.name}): "
        f"{runner.sweep.objective.metric} {best.value:.4f}\n"
        f"# parameters: {json.dumps(best.params)}\n"
        f"# train it: python -m learn train --config {runner.out / 'best.toml'}\n"
    )
    return write_text(runner.out / "best.toml", head + dumps(config))


def _importances(study, complete) -> tuple[dict[str, float], str]:
    """Each parameter's importance, or {} and why there is none."""
    import optuna

    if len(complete) < 2:
        return {}, f"{len(complete)} complete trial(s): importances need at least 2"
    with warnings.catch_warnings(record=True) as caught:  # said in the report, not on the console
        warnings.simplefilter("always")
        try:
            found = dict(optuna.importance.get_param_importances(study))
        except (RuntimeError, ValueError, ZeroDivisionError) as e:
            return {}, f"not computed: {e}"
    notes = [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)]
    return found, " ".join(notes)  # e.g. "... Parameter importances will be equal." when trials tie


def _history(runner, trials, path: Path) -> Path:
    from optuna.trial import TrialState

    fig = new_figure(640, 360)
    ax = fig.add_subplot()
    metric, maximize = runner.sweep.objective.metric, runner.sweep.objective.direction == "maximize"
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    ax.plot([t.number for t in done], [t.value for t in done], "o", color="#1f77b4", label="complete")
    if pruned:  # no score of the objective: marked along the bottom, not mixed with the scores
        ax.plot(
            [t.number for t in pruned],
            [0.03] * len(pruned),
            "x",
            color="#7f7f7f",
            label="pruned (no score)",
            transform=ax.get_xaxis_transform(),
        )
    best, xs, ys = None, [], []
    for t in sorted(done, key=lambda t: t.number):
        if best is None or (t.value > best if maximize else t.value < best):
            best = t.value
        xs.append(t.number)
        ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="#d62728", label="best so far")
    ax.set_title(
        f"sweep {runner.sweep.name}: {metric} per trial ({'higher' if maximize else 'lower'} is better)",
        fontsize=TITLE_SIZE,
    )
    ax.set_xlabel("trial", fontsize=LABEL_SIZE)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(metric, fontsize=LABEL_SIZE)
    ax.legend(fontsize=LABEL_SIZE, frameon=False)
    return save(fig, path)[0]


def _importance_figure(importances: dict[str, float], why: str, path: Path) -> Path:
    fig = new_figure(640, 120 + 28 * max(1, len(importances)))
    ax = fig.add_subplot()
    ax.set_title("parameter importance (PED-ANOVA over complete trials)", fontsize=TITLE_SIZE)
    if importances:
        names = list(importances)[::-1]
        ax.barh(names, [importances[n] for n in names], color="#1f77b4")
        ax.set_xlabel("share of importance", fontsize=LABEL_SIZE)
        ax.tick_params(labelsize=LABEL_SIZE)
    else:
        ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=LABEL_SIZE)
        ax.set_axis_off()
    return save(fig, path)[0]


def _curves(trials, best, path: Path) -> Path:
    from optuna.trial import TrialState

    fig = new_figure(720, 400)
    ax = fig.add_subplot()
    names = {t.number: f"trial {t.number}" for t in trials}
    colors = colors_for(names.values())
    for t in trials:
        pts = sorted(t.intermediate_values.items())
        if not pts:
            continue
        is_best = best is not None and t.number == best.number
        ax.plot(
            [s for s, _ in pts],
            [v for _, v in pts],
            "o--" if t.state == TrialState.PRUNED else "o-",
            markersize=3,
            color=colors[names[t.number]],
            linewidth=2.5 if is_best else 1.0,
            label=names[t.number]
            + (" (best)" if is_best else " (pruned)" if t.state == TrialState.PRUNED else ""),
        )
    ax.set_title("training curves: mean episode return (dashed: pruned)", fontsize=TITLE_SIZE)
    ax.set_xlabel("agent-steps", fontsize=LABEL_SIZE)
    ax.set_ylabel("mean episode return", fontsize=LABEL_SIZE)
    if ax.lines:
        ax.legend(fontsize=LABEL_SIZE - 1, frameon=False, ncol=max(1, len(ax.lines) // 12 + 1))
    else:
        ax.text(
            0.5,
            0.5,
            "no curve yet (no episode ended in any trial)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=LABEL_SIZE,
        )
    return save(fig, path)[0]


def _markdown(runner, trials, best, importances, why, paths) -> str:
    s, o = runner.sweep, runner.sweep.objective
    counts: dict[str, int] = {}
    for t in trials:
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    lines = [f"# Sweep {s.name}", ""]
    if s.description:
        lines += [s.description, ""]
    lines += [
        f"- sweep file: `{runner.file}`" + (" (smoke budget)" if runner.smoke else ""),
        f"- objective: {o.direction} {o.metric}, mean over seeds {o.seeds} and levels "
        f"{', '.join(Path(x).stem for x in runner.eval_levels)} ({o.episodes} episodes each)",
        f"- sampler: {s.sampler.kind} (seed {s.sampler.seed}); pruner: {s.pruner.kind}",
        f"- trials: {', '.join(f'{v} {k.lower()}' for k, v in sorted(counts.items()))} (budget {s.budget})",
        "",
    ]
    if best is None:
        lines += ["No trial has completed yet: no best configuration.", ""]
    else:
        lines += [
            f"## Best: trial {best.number}, {o.metric} {best.value:.4f}",
            "",
            *[f"- `{k}` = {v!r}" for k, v in best.params.items()],
            "",
            f"Train it: `python -m learn train --config {paths['best']}`",
            "",
        ]
    lines += ["## Parameter importance", ""]
    lines += [f"- `{k}`: {v:.3f}" for k, v in importances.items()] if importances else []
    lines += [f"Note: {why}" if importances and why else why] if why else []
    names = list(s.space)
    lines += [
        "",
        "## Trials",
        "",
        "| trial | state | " + o.metric + " | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---" * (3 + len(names)) + "|",
    ]
    for t in trials:
        value = (
            f"{t.value:.4f}"
            if t.state.name == "COMPLETE"
            else t.user_attrs.get("why", t.user_attrs.get("error", ""))
        )
        lines.append(
            f"| {t.number} | {t.state.name.lower()} | {value} | "
            + " | ".join(repr(t.params.get(n, "")) for n in names)
            + " |"
        )
    lines += ["", "## Figures", ""]
    lines += [f"![{k}]({paths[k].name})" for k in ("history", "importance", "curves")]
    return "\n".join(lines) + "\n"
