"""The statistics of studies: dose-response fits, intervals over seeds, contrasts and their tests.

Everything here is a thin layer over scipy and statsmodels, so that a reader can check each
number against the field's libraries:
- `fit_threshold(x, acts, trials)`: the threshold r* of a dose-response curve. The rate of an act
  against the treatment x is fitted by maximum likelihood (binomial counts) as
  `p(x) = top * expit(slope * (x - r*))`, a logistic with a free ceiling `top`, so r* is where
  the fitted rate reaches half its maximum whether it rises (gifts) or falls (attacks). A curve
  that steps between two grid points (a scripted policy, or a learner that has settled) has no
  finite slope: its r* is the midpoint of the two points between which it steps, reported as a
  step (`kind = "step"`), not an error. No acts, a flat curve, or a crossing outside the grid
  give `kind = "none"` with the reason.
- `interval(values)`: mean and 95% t interval over seeds (`scipy.stats.t`); n = 1 has none.
- `contrast(diffs, alternative)`: a paired contrast over seeds (one difference per seed): mean,
  95% interval, Cohen's d_z, and a t-test (`scipy.stats.ttest_1samp`, one-sided when the
  prediction gives a direction).
- `difference(a, b)`: two independent groups of seeds (Welch's t-test, `scipy.stats.ttest_ind`).
- `holm(p)`: Holm's step-down correction over a family of tests (`statsmodels`' multipletests).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np
from scipy import optimize, special, stats

# a slope this steep (per unit of x) is a step between any two grid points 0.01 apart
MAX_SLOPE = 2000.0


def clean(values: Iterable[float | None]) -> list[float]:
    """The finite values (None and NaN dropped)."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def mean_ci(values: Iterable[float | None]) -> tuple[float, float, int]:
    """(mean, half-width of the 95% t interval, n) over the finite values; half-width NaN when
    n < 2 (one value has no interval), mean NaN when n = 0."""
    xs = clean(values)
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan"), 0
    m = float(np.mean(xs))
    if n < 2:
        return m, float("nan"), n
    return m, float(stats.t.ppf(0.975, n - 1) * stats.sem(xs)), n


@dataclass
class Interval:
    mean: float | None
    low: float | None
    high: float | None
    n: int

    def json(self) -> dict:
        return asdict(self)


def interval(values: Iterable[float | None]) -> Interval:
    m, hw, n = mean_ci(values)
    if n == 0:
        return Interval(None, None, None, 0)
    if math.isnan(hw):
        return Interval(m, None, None, n)
    return Interval(m, m - hw, m + hw, n)


@dataclass
class Fit:
    kind: str  # "logistic", "step" or "none"
    threshold: float | None = None  # r*: where the fitted rate reaches half its maximum
    top: float | None = None  # the fitted ceiling (the rate far on the acting side)
    slope: float | None = None  # per unit of x: > 0 rising, < 0 falling
    reason: str = ""

    def json(self) -> dict:
        return asdict(self)


def _rates(x, acts, trials):
    x, k, n = (np.asarray(v, np.float64) for v in (x, acts, trials))
    keep = n > 0
    x, k, n = x[keep], np.minimum(k[keep], n[keep]), n[keep]
    order = np.argsort(x)
    return x[order], k[order], n[order]


def fit_threshold(x: Sequence[float], acts: Sequence[float], trials: Sequence[float]) -> Fit:
    """r* of the dose-response `acts / trials` against `x` (see the module docstring)."""
    x, k, n = _rates(x, acts, trials)
    if len(np.unique(x)) < 2:
        return Fit("none", reason="fewer than two treatment values with opportunities")
    if k.sum() == 0:
        return Fit("none", reason="no act at any treatment value")
    q = k / n
    if np.allclose(q, q[0], atol=1e-12):
        return Fit("none", reason=f"a flat response ({q[0]:.3g} at every treatment value)")

    def nll(theta):
        top, slope, mid = special.expit(theta[0]), theta[1], theta[2]
        p = np.clip(top * special.expit(slope * (x - mid)), 1e-12, 1 - 1e-12)
        return -float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))

    lo, hi = float(x[0]), float(x[-1])
    span = hi - lo
    top0 = special.logit(min(max(q.max(), 1e-3), 1 - 1e-3))
    best = None
    # starts at every gap between grid points, both directions, gentle and steep
    for mid in (x[:-1] + x[1:]) / 2:
        for slope in (8 / span, -8 / span, MAX_SLOPE / 2, -MAX_SLOPE / 2):
            r = optimize.minimize(nll, [top0, slope, mid], method="L-BFGS-B",
                                  bounds=[(-12, 12), (-MAX_SLOPE, MAX_SLOPE), (lo - span, hi + span)])
            if best is None or r.fun < best.fun:
                best = r
    top, slope, mid = float(special.expit(best.x[0])), float(best.x[1]), float(best.x[2])
    steep = abs(slope) * np.min(np.diff(np.unique(x))) > 50  # the curve crosses within a tiny part of a gap
    if steep:
        # a step: between which two grid points does the fitted curve cross half its top?
        p = top * special.expit(slope * (np.unique(x) - mid))
        ux = np.unique(x)
        side = p > top / 2
        cross = np.flatnonzero(side[1:] != side[:-1])
        if len(cross) == 0:
            return Fit("none", top=top, slope=slope, reason="the fitted step lies outside the treatment values")
        i = int(cross[0])
        return Fit("step", float((ux[i] + ux[i + 1]) / 2), top, slope)
    if not lo <= mid <= hi:
        return Fit("none", top=top, slope=slope,
                   reason=f"the fitted half-maximum ({mid:.3g}) lies outside the treatment values [{lo:g}, {hi:g}]")
    return Fit("logistic", mid, top, slope)


@dataclass
class Contrast:
    mean: float | None
    low: float | None
    high: float | None
    n: int
    d_z: float | None  # standardised effect: mean difference / sd of the differences
    p: float | None  # raw p-value of the t-test (None when n < 2)
    alternative: str
    p_holm: float | None = None

    def json(self) -> dict:
        return asdict(self)


def contrast(diffs: Iterable[float | None], alternative: str = "two-sided") -> Contrast:
    """A paired contrast over seeds: `diffs` holds one difference per seed (e.g. the rate at
    r* + 0.25 minus the rate at r* - 0.25). `alternative` "greater" tests mean > 0."""
    d = clean(diffs)
    n = len(d)
    if n == 0:
        return Contrast(None, None, None, 0, None, None, alternative)
    m = float(np.mean(d))
    if n < 2:
        return Contrast(m, None, None, 1, None, None, alternative)
    sd = float(np.std(d, ddof=1))
    if sd == 0:  # every seed agrees exactly: t is infinite (undefined at 0), its limit decides
        return Contrast(m, m, m, n, None, _degenerate_p(m, alternative), alternative)
    with _quiet():
        t = stats.ttest_1samp(d, 0.0, alternative=alternative)
        ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)  # the two-sided 95% interval of the mean
    return Contrast(m, float(ci.low), float(ci.high), n, m / sd, float(t.pvalue), alternative)


def difference(a: Iterable[float | None], b: Iterable[float | None], alternative: str = "two-sided") -> Contrast:
    """mean(a) - mean(b) over two independent groups of seeds: Welch's t-test and its 95% interval;
    d_z here is Cohen's d with the pooled sd."""
    xa, xb = clean(a), clean(b)
    if not xa or not xb:
        return Contrast(None, None, None, min(len(xa), len(xb)), None, None, alternative)
    m = float(np.mean(xa) - np.mean(xb))
    n = min(len(xa), len(xb))
    if len(xa) < 2 or len(xb) < 2:
        return Contrast(m, None, None, n, None, None, alternative)
    pooled = math.sqrt(((len(xa) - 1) * np.var(xa, ddof=1) + (len(xb) - 1) * np.var(xb, ddof=1))
                       / (len(xa) + len(xb) - 2))
    if pooled == 0:
        return Contrast(m, m, m, n, None, _degenerate_p(m, alternative), alternative)
    with _quiet():
        t = stats.ttest_ind(xa, xb, equal_var=False, alternative=alternative)
        ci = stats.ttest_ind(xa, xb, equal_var=False).confidence_interval(0.95)
    return Contrast(m, float(ci.low), float(ci.high), n, m / pooled, float(t.pvalue), alternative)


@contextlib.contextmanager
def _quiet():
    """scipy warns of precision loss when values are nearly identical (seeds that agree to many
    digits); zero spread is handled before the test and the result stays right, so the warning
    would only alarm a reader of the study's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _degenerate_p(m: float, alternative: str) -> float:
    """The p-value of a t-test whose differences all equal m (zero spread)."""
    if m == 0:
        return 1.0
    if alternative == "two-sided":
        return 0.0
    return 0.0 if (m > 0) == (alternative == "greater") else 1.0


def holm(contrasts: Sequence[Contrast]) -> None:
    """Holm's correction over the contrasts that have a p-value (set in place as `p_holm`)."""
    from statsmodels.stats.multitest import multipletests

    tested = [c for c in contrasts if c.p is not None]
    if not tested:
        return
    _, adjusted, _, _ = multipletests([c.p for c in tested], alpha=0.05, method="holm")
    for c, p in zip(tested, adjusted):
        c.p_holm = float(p)


def nearest(grid: Sequence[float], value: float) -> float:
    """The grid point nearest `value` (the lower one on a tie)."""
    g = sorted(grid)
    return min(g, key=lambda v: (abs(v - value), v))
