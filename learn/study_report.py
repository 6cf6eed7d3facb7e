"""A study's report: `report.md` (tables, every figure with its 95% interval, plain statements
of which intervals overlap) and `report.png`, from the study's DuckDB.

Intervals. A trained arm's figure is the mean over its seeds of each seed's mean over its eval
episodes, +- t(0.975, seeds - 1) * sd / sqrt(seeds): the spread that matters for a claim about
learning. The report also gives the interval over all the arm's episodes pooled (episodes of
one seed are not independent draws of the learner, so it is the narrower, optimistic one).
A baseline's figure is over its episodes. A ratio metric (`[[ratios]]`) is sum / sum over one
run's episodes, then treated as a seed's value.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


from learn import charts
from learn.atomic import write_text
from learn.coop import COOP_COLUMNS
from learn.scorecard import mean_ci
from learn.stats import connect
from learn.suites import code_version


def load(runner) -> dict[str, Any]:
    """{(arm, kind, seed): {metric: [per-episode values]}} plus the runs' rows."""
    s = runner.study
    cols = sorted({m for m in s.metrics if m in COOP_COLUMNS} | {c for r in s.ratios for c in (r.numerator, r.denominator)}
                  | {"hearts", "mean_return"})
    con = connect(runner.db, read_only=True)
    try:
        runs = con.execute("SELECT arm, seed, kind, x, run_id, global_step, train_s, eval_s FROM study_runs "
                           "ORDER BY time").fetchall()
        eps: dict[str, dict[str, list]] = {}
        for run_id, *vals in con.execute(f"SELECT run_id, {', '.join(cols)} FROM suite_episodes ORDER BY episode"
                                         ).fetchall():
            d = eps.setdefault(run_id, {c: [] for c in cols})
            for c, v in zip(cols, vals):
                d[c].append(v)
    finally:
        con.close()
    data, meta = {}, {}
    for arm, seed, kind, x, run_id, step, train_s, eval_s in runs:  # a re-evaluated job: its latest run
        values = dict(eps.get(run_id, {}))
        for r in s.ratios:
            num, den = values.get(r.numerator, []), values.get(r.denominator, [])
            tot = sum(v for v in den if v is not None)
            values[r.name] = [sum(v for v in num if v is not None) / tot] if tot > 0 else [None]
        data[(arm, kind, int(seed))] = values
        meta[(arm, kind, int(seed))] = dict(x=x, step=step, train_s=train_s, eval_s=eval_s,
                                            episodes=len(values.get("hearts", [])))
    return {"data": data, "meta": meta}


def _mean(xs):
    xs = [v for v in xs if v is not None]
    return sum(xs) / len(xs) if xs else None


def summarize(runner, loaded: dict[str, Any]) -> dict[str, Any]:
    """Per arm and metric: the trained figure over seeds, over pooled episodes, and baselines."""
    s, data = runner.study, loaded["data"]
    metrics = list(s.metrics)
    trained, pooled, base = {}, {}, {}
    for a in s.arms:
        for m in metrics:
            per_seed = [_mean(data[(a.name, "trained", seed)].get(m, [])) for seed in s.seeds
                        if (a.name, "trained", seed) in data]
            trained[(a.name, m)] = mean_ci(per_seed)
            pooled[(a.name, m)] = mean_ci([v for seed in s.seeds if (a.name, "trained", seed) in data
                                           for v in data[(a.name, "trained", seed)].get(m, [])])
            for b in s.eval.baselines:
                if (a.name, b, -1) in data:
                    base[(a.name, b, m)] = mean_ci(data[(a.name, b, -1)].get(m, []))
    return {"metrics": metrics, "trained": trained, "pooled": pooled, "baselines": base}


def _fmt(m: float, hw: float, n: int) -> str:
    if not n or math.isnan(m):
        return "-"
    digits = 3 if abs(m) < 100 else 1
    body = f"{m:.{digits}f}" if abs(m) >= 1e-3 or m == 0 else f"{m:.2e}"
    return body if math.isnan(hw) else f"{body} ± {hw:.{digits}f}"


def _interval(t) -> tuple[float, float] | None:
    m, hw, n = t
    if not n or math.isnan(m):
        return None
    hw = 0.0 if math.isnan(hw) else hw
    return m - hw, m + hw


def overlap_lines(runner, sm: dict[str, Any]) -> list[str]:
    """For each metric: which arms' intervals (over seeds) do not overlap, said plainly."""
    arms = [a.name for a in runner.study.arms]
    lines = []
    for m in sm["metrics"]:
        iv = {a: _interval(sm["trained"][(a, m)]) for a in arms}
        apart = []
        for i, a in enumerate(arms):
            for b in arms[i + 1:]:
                if iv[a] and iv[b] and (iv[a][1] < iv[b][0] or iv[b][1] < iv[a][0]):
                    hi, lo = (a, b) if iv[a][0] > iv[b][1] else (b, a)
                    apart.append(f"`{hi}` above `{lo}`")  # quoted: arms may be named "none" or "random"
        name = _label(m)
        if not any(iv.values()):
            lines.append(f"- **{name}**: no values.")
        elif all(v == (0.0, 0.0) for v in iv.values() if v):
            lines.append(f"- **{name}**: 0 in every run of every arm.")
        elif apart:
            lines.append(f"- **{name}**: intervals apart: {'; '.join(apart)}; every other pair overlaps.")
        else:
            lines.append(f"- **{name}**: every arm's interval overlaps every other's: no difference shown.")
    return lines


def threshold_lines(runner, sm: dict[str, Any]) -> list[str]:
    """With arms on an x axis and a threshold: is the first metric separated at the threshold?"""
    s = runner.study
    if s.threshold is None or not s.x_label:
        return []
    m = sm["metrics"][0]
    below = [(a.x, sm["trained"][(a.name, m)]) for a in s.arms if a.x < s.threshold]
    above = [(a.x, sm["trained"][(a.name, m)]) for a in s.arms if a.x > s.threshold]
    at = [(a.x, sm["trained"][(a.name, m)]) for a in s.arms if a.x == s.threshold]
    ivs_b = [_interval(t) for _, t in below if _interval(t)]
    ivs_a = [_interval(t) for _, t in above if _interval(t)]
    out = [f"The rule predicts {_label(m)} near zero for {s.x_label} below {s.threshold:g} and above zero beyond it."]
    if ivs_b and ivs_a:
        sep = min(lo for lo, _ in ivs_a) > max(hi for _, hi in ivs_b)
        mb = _mean([t[0] for _, t in below])
        ma = _mean([t[0] for _, t in above])
        out.append(f"Mean {_label(m)} below the threshold: {mb:.3g}; above it: {ma:.3g}" +
                   (f"; at it: {_mean([t[0] for _, t in at]):.3g}" if at else "") + ".")
        means = [t[0] for _, t in sorted(below + at + above, key=lambda p: p[0])]
        rising = all(b >= a for a, b in zip(means, means[1:]))
        if sep:
            out.append("Every interval above the threshold lies above every interval below it: **the learned "
                       "agents follow the rule** at this budget" + (" (and the mean rises with x throughout)."
                                                                     if rising else "."))
        else:
            out.append("The intervals above and below the threshold overlap: **the learned agents do not show "
                       "the rule's step** at this budget" + (", though the mean rises with x." if rising else "."))
    return out


def _label(m: str) -> str:
    return {"mean_return": "return (utilitarian)", "hearts": "hearts"}.get(m, m.replace("_", " "))


def write_report(runner) -> dict[str, Path]:
    s = runner.study
    loaded = load(runner)
    sm = summarize(runner, loaded)
    md = runner.out / "report.md"
    png = runner.out / "report.png"
    write_chart(runner, sm, png)
    meta = loaded["meta"]
    arms = [a.name for a in s.arms]
    L = [f"# Study `{s.name}`", ""]
    if s.description:
        L += [s.description, ""]
    if s.question:
        L += [f"**Question.** {s.question}", ""]
    steps = sorted({runner.total_steps(a) for a in arms})
    trained = [k for k in meta if k[1] == "trained"]
    train_s = sum(meta[k]["train_s"] or 0 for k in trained)
    eval_s = sum(meta[k]["eval_s"] or 0 for k in meta)
    L += [f"Made by `{runner.command}` (code {code_version()}): {len(arms)} arms x "
          f"{len(s.seeds)} seeds ({', '.join(map(str, s.seeds))}), {', '.join(f'{x:,}' for x in steps)} agent-steps "
          f"per run, {s.eval.episodes} eval episode(s) per run (seeds {s.eval.seed}..{s.eval.seed + s.eval.episodes - 1}). "
          f"Training {_hm(train_s)}, evaluation {_hm(eval_s)} in all ({len(trained)} of "
          f"{len(arms) * len(s.seeds)} runs done).", ""]
    L += ["## Answer", "", "Trained arms, 95% intervals over seeds:", ""] + overlap_lines(runner, sm)
    th = threshold_lines(runner, sm)
    if th:
        L += ["", f"**{s.threshold_label or 'Threshold'}.** " + " ".join(th)]
    L += ["", "## Trained arms", "",
          f"Mean ± 95% half-interval over the {len(s.seeds)} seeds (each seed: the mean over its episodes).", ""]
    L += _table(["metric"] + arms, [[_label(m)] + [_fmt(*sm["trained"][(a, m)]) for a in arms] for m in sm["metrics"]])
    L += ["", "Pooled over all the arm's eval episodes (narrower: episodes of one seed share one learner):", ""]
    L += _table(["metric"] + arms, [[_label(m)] + [_fmt(*sm["pooled"][(a, m)]) for a in arms] for m in sm["metrics"]])
    if s.eval.baselines:
        L += ["", "## Baselines on the same episodes", "", "Mean ± 95% half-interval over episodes.", ""]
        cols = [f"{a} {b}" for a in arms for b in s.eval.baselines]
        L += _table(["metric"] + cols, [[_label(m)] + [_fmt(*sm["baselines"].get((a, b, m), (float("nan"),) * 2 + (0,)))
                                                       for a in arms for b in s.eval.baselines] for m in sm["metrics"]])
    L += ["", "## Every run", ""]
    rows = []
    for a in arms:
        for seed in s.seeds:
            k = (a, "trained", seed)
            if k not in meta:
                rows.append([a, str(seed), "not done", "", ""] + [""] * len(sm["metrics"]))
                continue
            means = [_mean(loaded["data"][k].get(m, [])) for m in sm["metrics"]]
            rows.append([a, str(seed), f"{meta[k]['step']:,}", _hm(meta[k]["train_s"] or 0), str(meta[k]["episodes"])]
                        + [_fmt(float("nan") if v is None else v, float("nan"), 1) for v in means])
    L += _table(["arm", "seed", "agent-steps", "train", "episodes"] + [_label(m) for m in sm["metrics"]], rows)
    L += ["", "## Charts", "", f"![the metrics by arm]({png.name})", "",
          "## Metrics", ""]
    L += [f"- `{m}`: {COOP_COLUMNS[m]}" for m in sm["metrics"] if m in COOP_COLUMNS]
    L += [f"- `{r.name}`: sum of `{r.numerator}` / sum of `{r.denominator}` over a run's episodes"
          + (f" ({r.description})" if r.description else "") for r in s.ratios if r.name in sm["metrics"]]
    L += ["", "Formulas and tables: docs/evaluation.md. Per-episode rows: `study.duckdb` (tables `study_runs` and "
          "`suite_episodes`, joined on `run_id`).", ""]
    write_text(md, "\n".join(L))
    return {"md": md, "png": png}


def _hm(seconds: float) -> str:
    m = int(round(seconds / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{seconds / 60:.1f} min"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |"] + [
        "| " + " | ".join(r) + " |" for r in rows]


def write_chart(runner, sm: dict[str, Any], path: Path, width: int = 1100) -> None:
    s = runner.study
    pg = charts.pygame()
    font, big = charts.fonts()
    series_names = ["trained"] + list(s.eval.baselines)
    colors = charts.colors_for(series_names)
    ordered = sorted(s.arms, key=lambda a: a.x) if s.x_label else s.arms
    arms = [a.name for a in ordered]

    def series(m):
        out = {"trained": [sm["trained"][(a, m)] for a in arms]}
        for b in s.eval.baselines:
            out[b] = [sm["baselines"].get((a, b, m), (float("nan"), float("nan"), 0)) for a in arms]
        return out

    ph, cols = 230, 2
    panels = sm["metrics"]
    rows = math.ceil(len(panels) / cols)
    surf = pg.Surface((width, 50 + ph * rows + 10))
    surf.fill((255, 255, 255))
    charts.legend(surf, big, [f"{n} (95% CI over seeds)" if n == "trained" else n for n in series_names],
                  {(f"{n} (95% CI over seeds)" if n == "trained" else n): colors[n] for n in series_names})
    pw = (width - 20) // cols
    for i, m in enumerate(panels):
        rect = (10 + (i % cols) * pw, 50 + (i // cols) * ph, pw - 10, ph - 10)
        if s.x_label:
            xs = [a.x for a in ordered]
            charts.xy_panel(surf, font, rect, _label(m), xs, series(m), colors,
                            s.x_label, s.threshold, s.threshold_label)
        else:
            charts.bar_panel(surf, font, rect, _label(m), arms, series(m), colors)
    charts.save(surf, path)
