"""The project's figures, drawn with matplotlib (the scorecard, study reports): grouped bars with
95% CI whiskers, and points and lines against a numeric x. Headless and without global state:
every figure is a `matplotlib.figure.Figure` on its own Agg canvas (`new_figure`), never pyplot.

A value is a `(mean, half_width, n)` tuple as `learn.studies.analysis.mean_ci` returns it: no bar or
point when n = 0; no whisker, and the bar marked "n=1", when the half-width is NaN (n < 2).
Axes and whiskers respect the range a metric's values can take (`metric_range`): a rate's axis
never goes below 0 nor above 1 plus a small margin, and a whisker is cut at the range's ends.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import Iterable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from learn.evaluation.coop import COOP_RANGES
from learn.rundir.atomic import atomic_open

# matplotlib's tab10
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]

# the baselines keep one colour in every figure
FIXED = {"random": "#7f7f7f", "scripted": "#2ca02c"}

DPI = 100
TITLE_SIZE = 9
LABEL_SIZE = 8
VALUE_SIZE = 7
MARGIN = 0.05  # of a bounded range's span, beyond its ends
HEADROOM = 0.12  # of the data's span, above the highest whisker (room for the value labels)

Value = tuple[float, float, int]


def colors_for(names: Iterable[str]) -> dict[str, str]:
    """A colour per name that depends on the name, not on the order or company it comes in (so
    a policy keeps its colour from figure to figure); names that would share one take the next
    free colour, in sorted order."""
    free = [c for c in PALETTE if c not in FIXED.values()]
    out, used = {}, set()
    for n in sorted(set(names)):
        if n in FIXED:
            out[n] = FIXED[n]
            continue
        i = zlib.crc32(n.encode()) % len(free)
        for k in range(len(free)):
            c = free[(i + k) % len(free)]
            if c not in used or len(used) >= len(free):
                break
        out[n] = c
        used.add(c)
    return out


def metric_range(name: str | None) -> tuple[float | None, float | None]:
    """(low, high) of the values metric `name` can take, None where unbounded: the columns of
    learn/evaluation/coop.py by COOP_RANGES; other names ending `_rate`, `_share` or `_per_opportunity`, or
    with `_rate_` inside (study ratios, acts per opportunity such as `attack_rate_kin`), in
    [0, 1]; anything else unbounded."""
    if name is None:
        return None, None
    if name in COOP_RANGES:
        return COOP_RANGES[name]
    if name.endswith(("_rate", "_share", "_per_opportunity")) or "_rate_" in name:
        return 0.0, 1.0
    return None, None


def _widen(rng, means: Iterable[float]) -> tuple[float | None, float | None]:
    """The range, widened to the means drawn: a whisker or an axis may stop at the range, never
    hide a mean (a mean outside it is a value the range did not foresee, shown as it is)."""
    lo, hi = rng
    means = [m for m in means if m is not None and not math.isnan(m)]
    if means and lo is not None:
        lo = min(lo, min(means))
    if means and hi is not None:
        hi = max(hi, max(means))
    return lo, hi


def new_figure(width_px: int, height_px: int, dpi: int = DPI) -> Figure:
    """A figure of exactly width_px x height_px pixels in its PNG, laid out by matplotlib's
    constrained layout, on its own Agg canvas (no pyplot, no global backend)."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def legend(
    fig: Figure,
    names: Sequence[str],
    colors: dict[str, str],
    labels: dict[str, str] | None = None,
    ncol: int | None = None,
) -> None:
    """Swatches and names across the top of the figure (wrapped onto rows as needed)."""
    labels = labels or {}
    texts = [labels.get(n, n) for n in names]
    if ncol is None:  # as many columns as fit the figure's width, at about 7 px a character
        width = fig.get_figwidth() * fig.dpi
        per = max(len(t) for t in texts) * 7 + 40 if texts else 1
        ncol = max(1, min(len(texts), int(width // per)))
    fig.legend(
        [Patch(color=colors[n]) for n in names],
        texts,
        loc="outside upper center",
        ncol=ncol,
        fontsize=LABEL_SIZE + 1,
        frameon=False,
    )


def _clip(v: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        v = max(v, lo)
    if hi is not None:
        v = min(v, hi)
    return v


def _ends(m: float, hw: float, rng) -> tuple[float, float] | None:
    """The whisker's (bottom, top), cut at the metric's range; None without one."""
    if hw is None or math.isnan(hw):
        return None
    return _clip(m - hw, *rng), _clip(m + hw, *rng)


def _whisker(m: float, hw: float, rng) -> tuple[float | None, float | None, float, float]:
    """(length below, length above, lowest, highest point) of a value's whisker cut to the range;
    the lengths are None when it has none (the points are then the value itself)."""
    ends = _ends(m, hw, rng)
    if not ends:
        return None, None, m, m
    return max(m - ends[0], 0.0), max(ends[1] - m, 0.0), min(m, ends[0]), max(m, ends[1])


def _limits(lows: list[float], highs: list[float], rng, from_zero: bool) -> tuple[float, float]:
    """y limits covering lows..highs (plus 0 for bars) with room above for the value labels,
    never past the metric's range plus MARGIN."""
    lo_r, hi_r = rng
    lows, highs = list(lows), list(highs)
    if from_zero:
        lows.append(0.0)
        highs.append(0.0)
    if not lows:
        lows, highs = [lo_r if lo_r is not None else 0.0], [hi_r if hi_r is not None else 1.0]
    a, b = min(lows), max(highs)
    span = b - a
    if span <= 1e-12:  # one value (or nothing but zeros): a unit span around it, within the range
        span = (hi_r - lo_r) if lo_r is not None and hi_r is not None else max(abs(a), 1.0)
        if not from_zero:
            a -= span / 2
        b = a + span
    top = b + HEADROOM * span
    bottom = a - (0.0 if from_zero and a >= 0 else HEADROOM * span)
    margin = MARGIN * (hi_r - lo_r) if lo_r is not None and hi_r is not None else MARGIN * span
    if hi_r is not None:
        top = min(top, hi_r + margin)
    if lo_r is not None:
        bottom = max(bottom, lo_r - (0.0 if from_zero and lo_r == 0 else margin))
    if top <= bottom:
        top = bottom + (margin or 1.0)
    return bottom, top


def _fmt(m: float) -> str:
    return f"{m:.2g}"


def _text_pt(text: str, size: float = VALUE_SIZE) -> float:
    """About the width of `text` in points (DejaVu Sans: digits 0.64 em, '.' 0.32 em)."""
    return size * sum(0.32 if c in ".,:;!" else 0.64 for c in text)


def _style(ax, title: str) -> None:
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", pad=12)
    ax.tick_params(labelsize=LABEL_SIZE)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _axes_width_pt(ax) -> float:
    """The axes' width in points, from the figure's width and the subplot's share of it."""
    fig = ax.get_figure()
    ss = ax.get_subplotspec()
    share = 1.0
    if ss is not None:
        ncols = ss.get_gridspec().ncols
        share = (ss.colspan.stop - ss.colspan.start) / ncols
    return fig.get_figwidth() * 72 * share * 0.95  # less the y axis and its labels


def bar_panel(
    ax,
    title: str,
    groups: Sequence[str],
    series: dict[str, Sequence[Value]],
    colors: dict[str, str],
    metric: str | None = None,
) -> None:
    """Grouped bars: one group per `groups` label, one bar per series in each; `series`
    {name: [(mean, half_width, n) per group]}. Whiskers: the 95% CI, cut at the range of
    `metric` (metric_range), which also bounds the y axis. Every bar has its value above it where
    the label fits the bar's width; a bar of one episode (n = 1) says so instead of a whisker."""
    rng = _widen(metric_range(metric), [v[0] for vals in series.values() for v in vals if v[2]])
    _style(ax, title)
    ng, ns = max(len(groups), 1), max(len(series), 1)
    w = 0.8 / ns
    bar_pt = _axes_width_pt(ax) / ng * w
    lows, highs, labels, empty = [], [], [], []
    for si, (name, vals) in enumerate(series.items()):
        xs, ms, err_x, err_lo, err_hi = [], [], [], [], []
        for gi, (m, hw, n) in enumerate(vals):
            x = gi + (si - (ns - 1) / 2) * w
            if not n or m is None or math.isnan(m):
                empty.append(x)
                continue
            xs.append(x)
            ms.append(m)
            below, above, bottom, top = _whisker(m, hw, rng)
            if below is not None:
                err_x.append(x)
                err_lo.append(below)
                err_hi.append(above)
            lows.append(bottom)
            highs.append(top)
            labels.append((x, m, n, top, bottom))
        ax.bar(xs, ms, w * 0.92, color=colors[name], label=name, zorder=2)
        if err_x:
            ax.errorbar(
                err_x,
                [ms[xs.index(x)] for x in err_x],
                yerr=[err_lo, err_hi],
                fmt="none",
                ecolor="black",
                elinewidth=0.9,
                capsize=min(3.0, bar_pt / 4),
                capthick=0.9,
                zorder=3,
            )
    bottom, top = _limits(lows, highs, rng, from_zero=True)
    ax.set_ylim(bottom, top)
    if bottom < 0 < top:
        ax.axhline(0, color="black", linewidth=0.8, zorder=2)
    for x, m, n, hi_end, lo_end in labels:
        text = _fmt(m)
        fits = _text_pt(text) <= bar_pt - 2  # clear of the neighbours' labels
        if n < 2:
            text = f"{text}\nn={n}" if fits else f"n={n}"
        elif not fits:
            continue
        up = m >= 0
        ax.annotate(
            text,
            (x, hi_end if up else lo_end),
            xytext=(0, 2 if up else -2),
            textcoords="offset points",
            ha="center",
            va="bottom" if up else "top",
            fontsize=VALUE_SIZE,
            color="#303030",
            annotation_clip=False,
            linespacing=1.0,
        )
    if _text_pt("n=0") <= bar_pt - 2:  # a bar with no episode says so, where it fits
        for x in empty:
            ax.annotate(
                "n=0",
                (x, max(bottom, 0.0) if top > 0 else top),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=VALUE_SIZE,
                color="#909090",
            )
    ax.set_xticks(range(len(groups)))
    slot = _axes_width_pt(ax) / max(len(groups), 1)  # a label wider than its group's slot is slanted
    long_labels = any(_text_pt(str(g), LABEL_SIZE) > slot - 6 for g in groups)
    ax.set_xticklabels(
        [str(g) for g in groups],
        rotation=20 if long_labels else 0,
        ha="right" if long_labels else "center",
        rotation_mode="anchor",
    )
    ax.set_xlim(-0.5, len(groups) - 0.5)


def xy_panel(
    ax,
    title: str,
    xs: Sequence[float],
    series: dict[str, Sequence[Value]],
    colors: dict[str, str],
    x_label: str = "",
    threshold: float | None = None,
    threshold_label: str = "",
    metric: str | None = None,
) -> None:
    """Points joined by lines at numeric `xs`; `series` {name: [(mean, half_width, n) per x]};
    95% CI whiskers cut at the range of `metric`, which also bounds the y axis; an optional
    dashed vertical line at `threshold` with its label. A point of one episode is marked n=1."""
    rng = _widen(metric_range(metric), [v[0] for vals in series.values() for v in vals if v[2]])
    _style(ax, title)
    lows, highs = [], []
    for name, vals in series.items():
        px, pm, ex, elo, ehi, single = [], [], [], [], [], []
        for x, (m, hw, n) in zip(xs, vals):
            if not n or m is None or math.isnan(m):
                continue
            px.append(x)
            pm.append(m)
            below, above, bottom, top = _whisker(m, hw, rng)
            if below is not None:
                ex.append(x)
                elo.append(below)
                ehi.append(above)
            elif n < 2:
                single.append((x, m, n))
            lows.append(bottom)
            highs.append(top)
        ax.plot(px, pm, "-o", color=colors[name], label=name, linewidth=1.5, markersize=4, zorder=3)
        if ex:
            ax.errorbar(
                ex,
                [pm[px.index(x)] for x in ex],
                yerr=[elo, ehi],
                fmt="none",
                ecolor=colors[name],
                elinewidth=1.0,
                capsize=3,
                capthick=1.0,
                zorder=3,
            )
        for x, m, n in single:
            ax.annotate(
                f"n={n}",
                (x, m),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=VALUE_SIZE,
                color=colors[name],
            )
    ax.set_ylim(*_limits(lows, highs, rng, from_zero=False))
    if threshold is not None:
        ax.axvline(threshold, color="#c80000", linestyle="--", linewidth=1.0, zorder=1)
        if threshold_label:
            ax.text(
                threshold,
                0.98,
                " " + threshold_label,
                transform=ax.get_xaxis_transform(),
                color="#c80000",
                fontsize=VALUE_SIZE,
                va="top",
                ha="left",
                zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.0),
            )
    allx = list(xs) + ([threshold] if threshold is not None else [])
    if allx:
        lo, hi = min(allx), max(allx)
        pad = 0.05 * ((hi - lo) or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_xticks(sorted(set(xs)))
    if x_label:
        ax.set_xlabel(x_label, fontsize=LABEL_SIZE)


def save(fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write `fig` to `path` (in the format its suffix names, else formats[0]) and in each other
    format of `formats` beside it (path.with_suffix(".svg"), ...), each file atomically (a
    temporary file renamed over the target). Returns the paths written, `path` first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    own = path.suffix.lstrip(".").lower()
    known = fig.canvas.get_supported_filetypes()
    first = own if own in known else formats[0]
    targets = [(path, first)] + [(path.with_suffix("." + f), f) for f in dict.fromkeys(formats) if f != first]
    meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # the same figure, the same bytes
    for target, fmt in targets:
        with atomic_open(target, "wb") as f:
            fig.savefig(f, format=fmt, dpi=fig.dpi, metadata=meta.get(fmt))
    return [t for t, _ in targets]
