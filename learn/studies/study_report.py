"""A study's report: `report.md`, `summary.json` (every estimate), and figures (PNG and SVG),
from the study's DuckDB. The statistics are learn/studies/analysis.py's (scipy, statsmodels).

What is estimated, per arm:
- each metric's mean over seeds (a seed's value: the mean over its eval episodes) with its 95%
  t interval; baselines over their episodes;
- with a relatedness grid (`[eval] relatedness`) and an `act`: the dose-response, the act's rate
  per opportunity (learn/evaluation/pairs.py; acts of the `actors` groups) at each r, per seed; the fitted
  threshold r* per seed (learn/studies/analysis.py fit_threshold) and its 95% interval over seeds; the same
  for every baseline and the scripted control (one curve each);
- the prediction's contrast, per arm with a predicted threshold T: per seed, the rate at the grid
  point nearest T + 0.25 minus the rate nearest T - 0.25 (reversed for an attack, predicted to
  fall with r), tested one-sided over seeds, Holm-corrected over the arms. The learned agents
  follow the rule in an arm when that contrast holds (Holm p < 0.05) and r*'s interval lies within
  T +- 0.15; the control must come out within 0.05 of T, or the pipeline cannot show the effect.
- within each arm: acts per opportunity on kin minus on non-kin, on the same group minus another
  group (paired over seeds, two-sided); between arms: each metric's difference for every pair of
  arms (Welch); each family Holm-corrected.
Metrics that the kinship sets by arithmetic (coop.TREATMENT_IDENTITIES) are marked and never
compared when the arms differ in kinship. One seed has no interval and compares nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learn.evaluation import figures
from learn.evaluation.coop import COOP_COLUMNS, TREATMENT_IDENTITIES
from learn.evaluation.suites import code_version
from learn.rundir.atomic import write_text
from learn.rundir.stats import connect
from learn.studies import analysis as an
from learn.studies.study_spec import predicted

CONTROL_TOLERANCE = 0.05  # the control's r* must lie this close to the prediction
RULE_TOLERANCE = 0.15  # the learned r*'s interval must lie within the prediction +- this
CONTRAST_OFFSET = 0.25  # the contrast reads the grid points nearest T +- this
WITHIN = (
    ("attack_rate_kin", "attack_rate_non_kin"),
    ("attack_rate_same_group", "attack_rate_other_group"),
    ("give_rate_kin", "give_rate_non_kin"),
    ("give_rate_same_group", "give_rate_other_group"),
)


@dataclass
class Run:
    """One evaluated policy of the study: a trained (arm, seed), or a baseline of an arm."""

    arm: str
    kind: str
    seed: int
    meta: dict[str, Any]
    values: dict[str, list] = field(default_factory=dict)  # metric -> per-episode values
    by_r: dict[float, dict[str, list]] = field(default_factory=dict)  # grid value -> the same, at that r
    dose: dict[float, tuple[int, int]] = field(default_factory=dict)  # r -> (acts, opportunities)

    def mean(self, metric: str, r: float | None = None) -> float | None:
        """The mean over the run's episodes (at grid value r only, if given)."""
        xs = an.clean((self.values if r is None else self.by_r.get(r, {})).get(metric, []))
        return sum(xs) / len(xs) if xs else None

    def rate(self, r: float) -> float | None:
        acts, opps = self.dose.get(r, (0, 0))
        return acts / opps if opps > 0 else None

    def fit(self) -> an.Fit:
        rs = sorted(self.dose)
        return an.fit_threshold(rs, [self.dose[r][0] for r in rs], [self.dose[r][1] for r in rs])


def varies_kinship(study) -> bool:
    return bool(study.eval.relatedness) or any("kinship" in a.overrides for a in study.arms)


def load(runner) -> dict[tuple[str, str, int], Run]:
    """Every evaluated job's Run, keyed (arm, kind, seed) (baselines: seed -1); a job evaluated
    twice keeps its latest evaluation."""
    s = runner.study
    cols = sorted(
        {m for m in s.metrics if m in COOP_COLUMNS}
        | {c for r in s.ratios for c in (r.numerator, r.denominator)}
        | {"hearts", "mean_return"}
        | {c for pair in WITHIN for c in pair}
    )
    grid = {f"r={float(r):g}": float(r) for r in s.eval.relatedness}
    con = connect(runner.db, read_only=True)
    try:
        rows = con.execute(
            "SELECT arm, seed, kind, x, run_id, global_step, train_s, eval_s FROM study_runs ORDER BY time"
        ).fetchall()
        eps: dict[str, dict[str, list]] = {}
        at_r: dict[str, dict[float, dict[str, list]]] = {}
        for run_id, level, *vals in con.execute(
            f"SELECT run_id, level, {', '.join(cols)} FROM suite_episodes ORDER BY level, episode"
        ).fetchall():
            d = eps.setdefault(run_id, {c: [] for c in cols})
            g = (
                at_r.setdefault(run_id, {}).setdefault(grid[level], {c: [] for c in cols})
                if level in grid
                else {}
            )
            for c, v in zip(cols, vals):
                d[c].append(v)
                if g:
                    g[c].append(v)
        dose: dict[str, dict[float, tuple[int, int]]] = {}
        if grid and s.act:
            acts, opps = (
                ("gifts", "give_opportunities") if s.act == "give" else ("attacks", "attack_opportunities")
            )
            actors = _actor_filter(runner)
            for run_id, level, k, n in con.execute(
                f"SELECT run_id, level, sum({acts}), sum({opps}) FROM suite_pairs {actors} "
                "GROUP BY run_id, level"
            ).fetchall():
                if level in grid:
                    dose.setdefault(run_id, {})[grid[level]] = (int(k), int(n))
    finally:
        con.close()
    out = {}
    for arm, seed, kind, x, run_id, step, train_s, eval_s in rows:
        values = dict(eps.get(run_id, {}))
        for r in s.ratios:
            num, den = an.clean(values.get(r.numerator, [])), an.clean(values.get(r.denominator, []))
            values[r.name] = [sum(num) / sum(den)] if sum(den) > 0 else [None]
        out[(arm, kind, int(seed))] = Run(
            arm,
            kind,
            int(seed),
            dict(x=x, step=step, train_s=train_s, eval_s=eval_s, episodes=len(values.get("hearts", []))),
            values,
            at_r.get(run_id, {}),
            dose.get(run_id, {}),
        )
    return out


def _actor_filter(runner) -> str:
    """The WHERE clause that keeps the acts of the study's actor groups (group indices by name)."""
    s = runner.study
    if not s.actors:
        return ""
    from game.load.level import load_level

    names = list(load_level(runner.level_path(s.arms[0].name)).groups)
    ids = sorted({names.index(g) for g in s.actors if g in names})
    return f"WHERE actor_group IN ({', '.join(map(str, ids))})" if ids else "WHERE false"


# ---- the estimates -------------------------------------------------------------------------
def summarize(runner, runs: dict[tuple[str, str, int], Run]) -> dict[str, Any]:
    s = runner.study
    seeds = list(s.seeds)
    identities = set(TREATMENT_IDENTITIES) if varies_kinship(s) else set()
    trained = {
        a.name: [runs[(a.name, "trained", sd)] for sd in seeds if (a.name, "trained", sd) in runs]
        for a in s.arms
    }
    out: dict[str, Any] = {
        "study": s.name,
        "question": s.question,
        "code": code_version(),
        "seeds": seeds,
        "n_done": {a: len(v) for a, v in trained.items()},
        "act": s.act or None,
        "actors": list(s.actors),
        "grid": [float(r) for r in s.eval.relatedness],
        "identities": sorted(identities & set(s.metrics)),
        "metrics": {},
        "baselines": {},
        "arms": {},
        "within": [],
        "between": [],
    }
    for a in s.arms:
        out["metrics"][a.name] = {
            m: an.interval([r.mean(m) for r in trained[a.name]]).json() for m in s.metrics
        }
        out["baselines"][a.name] = {
            b: {m: an.interval(runs[(a.name, b, -1)].values.get(m, [])).json() for m in s.metrics}
            for b in s.eval.baselines
            if (a.name, b, -1) in runs
        }
    grid = sorted(float(r) for r in s.eval.relatedness)
    out["metrics_by_r"] = {
        a.name: {
            m: {f"{r:g}": an.interval([run.mean(m, r) for run in trained[a.name]]).json() for r in grid}
            for m in s.metrics
            if m in COOP_COLUMNS
        }
        for a in s.arms
    }
    if s.eval.relatedness and s.act:
        primary = []
        for a in s.arms:
            arm = _dose(s, a, trained[a.name], runs)
            out["arms"][a.name] = arm
            if a.reference:  # trained otherwise (at a fixed r): drawn and fitted, not tested
                arm.pop("_contrast", None)
            elif arm.get("_contrast"):
                primary.append(arm["_contrast"])
        an.holm(primary)
        for a in s.arms:
            arm = out["arms"][a.name]
            c = arm.pop("_contrast", None)
            if c is not None:
                arm["contrast"] = c.json()
                arm["follows"], arm["verdict"] = _verdict(arm, c)
    within = []
    for a in s.arms:
        for hi, lo in WITHIN:
            diffs = [
                None if r.mean(hi) is None or r.mean(lo) is None else r.mean(hi) - r.mean(lo)
                for r in trained[a.name]
            ]
            if an.clean(diffs):
                c = an.contrast(diffs)
                within.append((dict(arm=a.name, minuend=hi, subtrahend=lo), c))
    an.holm([c for _, c in within])
    out["within"] = [{**k, **c.json()} for k, c in within]
    between = []
    names = [a.name for a in s.arms]
    for m in s.metrics:
        if m in identities:
            continue
        for i, x in enumerate(names):
            for y in names[i + 1 :]:
                c = an.difference([r.mean(m) for r in trained[x]], [r.mean(m) for r in trained[y]])
                if c.mean is not None:
                    between.append((dict(metric=m, a=x, b=y), c))
    an.holm([c for _, c in between])
    out["between"] = [{**k, **c.json()} for k, c in between]
    return out


def _dose(s, arm, trained: list[Run], runs) -> dict[str, Any]:
    grid = sorted(float(r) for r in s.eval.relatedness)
    t = predicted(s, arm)
    want = "rising" if s.act == "give" else "falling"  # gifts rise with r, attacks fall
    fits = {r.seed: r.fit() for r in trained}
    # a seed's r* counts when its curve goes the predicted way; one going the other way is no fit
    stars = [f.threshold for f in fits.values() if f.threshold is not None and f.direction() == want]
    out: dict[str, Any] = {
        "predicted": t,
        "direction": want,
        "reference": arm.reference,
        "rate": {f"{r:g}": an.interval([run.rate(r) for run in trained]).json() for r in grid},
        "rate_per_seed": {str(run.seed): {f"{r:g}": run.rate(r) for r in grid} for run in trained},
        "fits": {str(sd): f.json() for sd, f in fits.items()},
        "r_star": an.interval(stars).json(),
        "no_fit": len(fits) - len(stars),
        "baselines": {},
    }
    for b in s.eval.baselines:
        if (arm.name, b, -1) in runs:
            run = runs[(arm.name, b, -1)]
            f = run.fit()
            out["baselines"][b] = {"fit": f.json(), "rate": {f"{r:g}": run.rate(r) for r in grid}}
            if b == "control" and t is not None:
                out["control_ok"] = (
                    f.threshold is not None
                    and f.direction() == want
                    and abs(f.threshold - t) <= CONTROL_TOLERANCE + 1e-9
                )
    if t is not None:
        # the grid points nearest T + 0.25 above T and nearest T - 0.25 below it
        above, below = (
            an.nearest(grid, t + CONTRAST_OFFSET, "above", t),
            an.nearest(grid, t - CONTRAST_OFFSET, "below", t),
        )
        more, less = (above, below) if want == "rising" else (below, above)
        if more is not None and less is not None:
            out["contrast_points"] = {"more": more, "less": less}
            diffs = [
                None if run.rate(more) is None or run.rate(less) is None else run.rate(more) - run.rate(less)
                for run in trained
            ]
            out["_contrast"] = an.contrast(diffs, "greater")
    return out


def _verdict(arm: dict[str, Any], c: an.Contrast) -> tuple[bool | None, str]:
    """Follows the rule only when the control shows the pipeline can see it, the contrast holds
    after Holm, nearly every seed fits a curve going the predicted way (all but one in five), and
    r*'s interval lies within the prediction +- RULE_TOLERANCE."""
    t, star = arm["predicted"], arm["r_star"]
    n = len(arm["fits"])
    if c.n < 2:
        return None, f"{c.n} seed(s) with a contrast: no interval, no test, nothing compared"
    if arm.get("control_ok") is False:
        return None, "the scripted control does not come out at the prediction, so nothing is concluded"
    sig = c.p_holm is not None and c.p_holm < 0.05
    fitted = n - arm["no_fit"] >= math.ceil(0.8 * n)
    inside = (
        star["low"] is not None and t - RULE_TOLERANCE <= star["low"] and star["high"] <= t + RULE_TOLERANCE
    )
    if sig and fitted and inside:
        return True, (
            f"the learned agents follow the rule: the contrast holds (Holm p {_pe(c.p_holm)}), "
            f"{n - arm['no_fit']} of {n} seeds fit a {arm['direction']} curve, and r*'s interval lies "
            f"within {t:g} ± {RULE_TOLERANCE:g}"
        )
    why = []
    if not sig:
        why.append(f"the contrast does not hold (Holm p {_pe(c.p_holm)})")
    if not fitted:
        why.append(f"only {n - arm['no_fit']} of {n} seeds fit a {arm['direction']} curve")
    if not inside:
        why.append(
            "r* has no interval (fewer than 2 seeds with a fit)"
            if star["low"] is None
            else f"r*'s interval [{star['low']:.3g}, {star['high']:.3g}] is not within "
            f"{t:g} ± {RULE_TOLERANCE:g}"
        )
    return False, "the learned agents do not follow the rule: " + "; ".join(why)


# ---- the report ------------------------------------------------------------------------------
def write_report(runner) -> dict[str, Path]:
    s = runner.study
    runs = load(runner)
    sm = summarize(runner, runs)
    out = runner.out
    paths = {"md": out / "report.md", "json": out / "summary.json", "png": out / "report.png"}
    write_text(paths["json"], json.dumps(sm, indent=1, default=_json) + "\n")
    write_metrics_figure(runner, sm, paths["png"])
    if sm["arms"]:
        paths["dose"] = out / "dose_response.png"
        write_dose_figure(runner, sm, paths["dose"])
    if s.eval.relatedness:
        paths["by_r"] = out / "metrics_by_r.png"
        write_by_r_figure(runner, sm, paths["by_r"])
    write_text(paths["md"], "\n".join(_markdown(runner, sm, runs, paths)))
    return paths


def _json(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    raise TypeError(f"not JSON: {type(v).__name__}")


def _markdown(runner, sm: dict[str, Any], runs, paths) -> list[str]:
    s = runner.study
    arms = [a.name for a in s.arms]
    L = [f"# Study `{s.name}`", ""]
    if s.description:
        L += [s.description, ""]
    if s.question:
        L += [f"**Question.** {s.question}", ""]
    trained = [k for k in runs if k[1] == "trained"]
    steps = sorted({runner.total_steps(a) for a in arms})
    L += [
        f"Made by `{runner.command}` (code {sm['code']}): {len(arms)} arms x {len(s.seeds)} seeds "
        f"({', '.join(map(str, s.seeds))}), {', '.join(f'{x:,}' for x in steps)} agent-steps per run, "
        f"{s.eval.episodes} eval episode(s) per run "
        f"(seeds {s.eval.seed}..{s.eval.seed + s.eval.episodes - 1})"
        + (
            f" at each of {len(s.eval.relatedness)} relatedness values "
            f"({', '.join(f'{r:g}' for r in s.eval.relatedness)}), K = r between every two agents"
            if s.eval.relatedness
            else ""
        )
        + f". Training {_hm(sum(runs[k].meta['train_s'] or 0 for k in trained))}, evaluation "
        f"{_hm(sum(r.meta['eval_s'] or 0 for r in runs.values()))} in all ({len(trained)} of "
        f"{len(arms) * len(s.seeds)} runs done).",
        "",
    ]
    L += ["## Answer", ""]
    if sm["arms"]:
        L += _dose_lines(s, sm)
    else:
        L += ["No relatedness grid and act: the study compares its arms' metrics (below)."]
    if len(s.seeds) < 2 or min(sm["n_done"].values(), default=0) < 2:
        L += [
            "",
            "**One seed per arm (or fewer done): there is no interval over seeds, and nothing is compared.** "
            "A claim about learning needs several seeds.",
        ]
    if sm["identities"]:
        L += [
            "",
            f"Marked †: {', '.join(f'`{m}`' for m in sm['identities'])} follow from the kinship by "
            "arithmetic (rewards are mixed through K), so their differences between arms or relatedness "
            "values are not findings and are not compared.",
        ]
    L += [
        "",
        "## Trained arms",
        "",
        f"Mean ± 95% half-interval over seeds (each seed: the mean over its episodes"
        f"{', all relatedness values pooled' if s.eval.relatedness else ''}).",
        "",
    ]
    L += _table(
        ["metric"] + arms, [[_label(m, sm)] + [_fmt(sm["metrics"][a][m]) for a in arms] for m in s.metrics]
    )
    if s.eval.baselines:
        L += ["", "## Baselines on the same episodes", "", "Mean ± 95% half-interval over episodes.", ""]
        cols = [(a, b) for a in arms for b in s.eval.baselines if b in sm["baselines"].get(a, {})]
        L += _table(
            ["metric"] + [f"{a} {b}" for a, b in cols],
            [[_label(m, sm)] + [_fmt(sm["baselines"][a][b][m]) for a, b in cols] for m in s.metrics],
        )
    L += ["", "## Contrasts", ""]
    L += _contrast_table(
        "Within each arm, per opportunity (paired over seeds, two-sided, Holm over this table)",
        [[w["arm"], f"{w['minuend']} − {w['subtrahend']}"] for w in sm["within"]],
        sm["within"],
        ["arm", "difference"],
    )
    L += [""]
    L += _contrast_table(
        "Between arms (Welch, two-sided, Holm over this table; † metrics left out)",
        [[b["metric"], f"{b['a']} − {b['b']}"] for b in sm["between"]],
        sm["between"],
        ["metric", "arms"],
    )
    L += ["", "## Every run", ""]
    rows = []
    for a in arms:
        for seed in s.seeds:
            k = (a, "trained", seed)
            if k not in runs:
                rows.append([a, str(seed), "not done", "", ""] + [""] * len(s.metrics))
                continue
            r = runs[k]
            rows.append(
                [a, str(seed), f"{r.meta['step']:,}", _hm(r.meta["train_s"] or 0), str(r.meta["episodes"])]
                + [_num(r.mean(m)) for m in s.metrics]
            )
    L += _table(
        ["arm", "seed", "agent-steps", "train", "episodes"] + [_label(m, sm) for m in s.metrics], rows
    )
    L += ["", "## Figures", ""]
    if "dose" in paths:
        L += [f"![the act's rate per opportunity against relatedness]({paths['dose'].name})", ""]
    if "by_r" in paths:
        L += [f"![every metric against relatedness, per arm]({paths['by_r'].name})", ""]
    L += [
        f"![the metrics by arm]({paths['png'].name})",
        "",
        "Each figure is also written as SVG beside its PNG.",
        "",
        "## Metrics",
        "",
    ]
    L += [f"- `{m}`: {COOP_COLUMNS[m]}" for m in s.metrics if m in COOP_COLUMNS]
    L += [
        f"- `{r.name}`: sum of `{r.numerator}` / sum of `{r.denominator}` over a run's episodes"
        + (f" ({r.description})" if r.description else "")
        for r in s.ratios
        if r.name in s.metrics
    ]
    L += [
        "",
        "Every estimate is in `summary.json`; formulas and tables in docs/evaluation.md; per-episode rows in "
        "`study.duckdb` (`study_runs`, `suite_episodes`, `suite_pairs`, joined on `run_id`).",
        "",
    ]
    return L


def _dose_lines(s, sm) -> list[str]:
    act = "gifts" if s.act == "give" else "attacks"
    who = f" by {', '.join(s.actors)}" if s.actors else ""
    L = [
        f"The dose-response: {act}{who} per opportunity at each relatedness r; the threshold r* is where "
        "the fitted curve is halfway between its floor and its ceiling (a step: the midpoint of the two "
        "grid points it steps between); a seed whose curve cannot be told from a flat rate, or goes the "
        "other way, has no fit. The contrast is tested one-sided over seeds (Holm over the tested arms) "
        "and shown with its two-sided 95% interval. Reference arms (trained at a fixed r) are drawn and "
        "fitted, not tested.",
        "",
    ]
    rows = []
    for name, arm in sm["arms"].items():
        ctl = arm["baselines"].get("control", {}).get("fit")
        c = arm.get("contrast")
        star = arm["r_star"]
        rows.append(
            [
                name,
                _g(arm["predicted"]),
                _iv(star) + (f" ({arm['no_fit']} no fit)" if arm["no_fit"] else ""),
                (_g(ctl["threshold"]) + (" ✓" if arm.get("control_ok") else " ✗"))
                if ctl and ctl["threshold"] is not None
                else ("no fit" if ctl else "-"),
                _contrast_cell(c, arm.get("contrast_points")) if c else "-",
                _p(c["p_holm"]) if c else "-",
            ]
        )
    L += _table(
        [
            "arm",
            "predicted r*",
            "learned r* (95% CI over seeds)",
            "control r*",
            "contrast (95% CI)",
            "Holm p",
        ],
        rows,
    )
    L += [""]
    for name, arm in sm["arms"].items():
        if "verdict" in arm:
            L.append(f"- **{name}**: {arm['verdict']}.")
        if arm.get("control_ok") is False:
            L.append(
                f"- **{name}**: the scripted control's r* is not within {CONTROL_TOLERANCE:g} of the "
                "prediction: **the pipeline cannot show this prediction** (check the level's payoffs and the "
                "counts)."
            )
    return L


def _contrast_cell(c, points) -> str:
    where = f" (rate at {points['more']:g} − at {points['less']:g})" if points else ""
    return _iv(c) + where


def _contrast_table(title: str, keys: list[list[str]], items: list[dict], head: list[str]) -> list[str]:
    if not items:
        return [f"{title}: nothing to compare."]
    rows = [
        k + [_iv(c), "-" if c["d_z"] is None else f"{c['d_z']:.2f}", str(c["n"]), _p(c["p"]), _p(c["p_holm"])]
        for k, c in zip(keys, items)
    ]
    return [f"{title}:", ""] + _table(head + ["mean (95% CI)", "effect size", "n", "p", "Holm p"], rows)


def _iv(d: dict) -> str:
    if d.get("mean") is None:
        return "-"
    if d.get("low") is None:
        return f"{_num(d['mean'])} (n = {d['n']}, no interval)"
    return f"{_num(d['mean'])} [{_num(d['low'])}, {_num(d['high'])}]"


def _fmt(d: dict) -> str:
    if d["mean"] is None:
        return "-"
    if d["low"] is None:
        return f"{_num(d['mean'])} (n = {d['n']})"
    return f"{_num(d['mean'])} ± {_num((d['high'] - d['low']) / 2)}"


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def _g(v) -> str:
    return "-" if v is None else f"{v:g}"


def _pe(p) -> str:
    """A p-value after "p": "= 0.012", "< 0.001"."""
    text = _p(p)
    return text if text.startswith("<") else f"= {text}"


def _p(p) -> str:
    return "-" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _label(m: str, sm: dict | None = None) -> str:
    name = {"mean_return": "return (utilitarian)", "hearts": "hearts"}.get(m, m.replace("_", " "))
    return name + (" †" if sm and m in sm["identities"] else "")


def _hm(seconds: float) -> str:
    m = int(round(seconds / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{seconds / 60:.1f} min"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |",
    ] + ["| " + " | ".join(r) + " |" for r in rows]


# ---- figures ---------------------------------------------------------------------------------
def write_metrics_figure(runner, sm: dict[str, Any], path: Path) -> list[Path]:
    """One panel per metric: the trained arms (95% CI over seeds) beside the baselines; against
    the arms' `x` when the study has an x axis."""
    s = runner.study
    series_names = ["trained"] + list(s.eval.baselines)
    colors = figures.colors_for(series_names)
    ordered = sorted(s.arms, key=lambda a: a.x) if s.x_label else list(s.arms)
    arms = [a.name for a in ordered]

    def value(d):
        if d is None or d["mean"] is None:
            return (float("nan"), float("nan"), 0)
        return (d["mean"], float("nan") if d["low"] is None else (d["high"] - d["low"]) / 2, d["n"])

    cols = 2
    rows = math.ceil(len(s.metrics) / cols)
    fig = figures.new_figure(1100, 60 + 260 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, m in enumerate(s.metrics):
        ax = axes[i // cols][i % cols]
        series = {"trained": [value(sm["metrics"][a][m]) for a in arms]}
        for b in s.eval.baselines:
            series[b] = [value(sm["baselines"].get(a, {}).get(b, {}).get(m)) for a in arms]
        title = _label(m, sm) + (" (follows from the kinship)" if m in sm["identities"] else "")
        if s.x_label:
            figures.xy_panel(
                ax,
                title,
                [a.x for a in ordered],
                series,
                colors,
                s.x_label,
                s.threshold,
                s.threshold_label,
                metric=m,
            )
        else:
            figures.bar_panel(ax, title, arms, series, colors, metric=m)
    for j in range(len(s.metrics), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    figures.legend(fig, series_names, colors, {"trained": "trained (95% CI over seeds)"})
    return figures.save(fig, path)


def write_dose_figure(runner, sm: dict[str, Any], path: Path) -> list[Path]:
    """One panel per arm: the act's rate per opportunity against r, each seed (thin), their mean
    with its 95% CI, the baselines and control, the prediction (dashed) and the fitted r*'s
    interval (shaded)."""
    s = runner.study
    grid = sorted(float(r) for r in s.eval.relatedness)
    names = ["trained"] + list(s.eval.baselines)
    colors = figures.colors_for(names)
    arms = list(sm["arms"].items())
    cols = min(3, len(arms))
    rows = math.ceil(len(arms) / cols)
    fig = figures.new_figure(380 * cols + 40, 60 + 300 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    metric = f"{s.act}_rate"
    for i, (name, arm) in enumerate(arms):
        ax = axes[i // cols][i % cols]
        mean = [arm["rate"][f"{r:g}"] for r in grid]
        series = {
            "trained": [
                (d["mean"], float("nan") if d["low"] is None else (d["high"] - d["low"]) / 2, d["n"])
                if d["mean"] is not None
                else (float("nan"), float("nan"), 0)
                for d in mean
            ]
        }
        for b, d in arm["baselines"].items():  # one curve, pooled over its episodes: no interval
            series[b] = [
                (v, float("nan"), s.eval.episodes) if v is not None else (float("nan"), float("nan"), 0)
                for v in (d["rate"][f"{r:g}"] for r in grid)
            ]
        t = arm["predicted"]
        figures.xy_panel(
            ax,
            f"{name}: {'gifts' if s.act == 'give' else 'attacks'} per opportunity",
            grid,
            series,
            colors,
            "relatedness r",
            t,
            "predicted" if t is not None else "",
            metric=metric,
        )
        for seed, rates in arm["rate_per_seed"].items():
            pts = [(r, rates[f"{r:g}"]) for r in grid if rates[f"{r:g}"] is not None]
            if pts:
                ax.plot(*zip(*pts), color=colors["trained"], alpha=0.3, linewidth=0.8, zorder=2)
        star = arm["r_star"]
        if star["low"] is not None:
            ax.axvspan(star["low"], star["high"], color=colors["trained"], alpha=0.12, zorder=0)
        if star["mean"] is not None:
            ax.axvline(star["mean"], color=colors["trained"], linestyle=":", linewidth=1.0, zorder=1)
    for j in range(len(arms), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    figures.legend(
        fig, names, colors, {"trained": "trained: seeds (thin), mean with 95% CI, r* (dotted, its CI shaded)"}
    )
    return figures.save(fig, path)


def write_by_r_figure(runner, sm: dict[str, Any], path: Path) -> list[Path]:
    """One panel per metric: each arm's mean over seeds (95% CI) at every grid value r; the
    metrics that follow from the kinship are drawn too, and titled so."""
    s = runner.study
    grid = sorted(float(r) for r in s.eval.relatedness)
    arms = [a.name for a in s.arms]
    colors = figures.colors_for(arms)
    metrics = [m for m in s.metrics if m in COOP_COLUMNS]
    cols = 2
    rows = max(1, math.ceil(len(metrics) / cols))
    fig = figures.new_figure(1100, 60 + 260 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, m in enumerate(metrics):
        series = {}
        for a in arms:
            ds = [sm["metrics_by_r"][a][m][f"{r:g}"] for r in grid]
            series[a] = [
                (d["mean"], float("nan") if d["low"] is None else (d["high"] - d["low"]) / 2, d["n"])
                if d["mean"] is not None
                else (float("nan"), float("nan"), 0)
                for d in ds
            ]
        title = _label(m, sm) + (" (follows from the kinship)" if m in sm["identities"] else "")
        figures.xy_panel(axes[i // cols][i % cols], title, grid, series, colors, "relatedness r", metric=m)
    for j in range(len(metrics), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    figures.legend(fig, arms, colors, {a: f"{a} (trained, 95% CI over seeds)" for a in arms})
    return figures.save(fig, path)
