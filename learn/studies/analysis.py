"""The statistics of studies: dose-response fits, intervals over seeds, contrasts and their tests.

Everything here is a thin layer over scipy and statsmodels, so that a reader can check each
number against the field's libraries:
- `fit_threshold(x, acts, trials)`: the threshold r* of a dose-response curve. The rate of an act
  against the treatment x is fitted by maximum likelihood (binomial counts) as
  `p(x) = floor + (top - floor) * expit(slope * (x - r*))`, a logistic with a free floor and
  ceiling, so r* is where the fitted rate is halfway between them whether it rises (gifts) or
  falls (attacks), and a learner that still acts now and then on the wrong side does not move it.
  A curve that steps between two grid points (a scripted policy, or a learner that has settled)
  has no finite slope: its r* is the midpoint of the two points between which it steps, reported
  as a step (`kind = "step"`), not an error. Fewer than `MIN_ACTS` acts, a curve that a likelihood
  ratio test cannot tell from one flat rate (p >= 0.05, `p_flat`), or a crossing outside the grid
  give `kind = "none"` with the reason; the caller checks the direction (`Fit.direction`).
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

# the steepest slope the fit may take, times the smallest gap between grid points: at this bound the
# curve crosses from floor to ceiling within 1/25 of that gap
MAX_STEEPNESS = 100.0
MIN_ACTS = 5  # fewer acts in all make no curve
STEP_EDGE = (
    0.01  # a grid point this close to the floor or the ceiling (as a share of the way) is off the slope
)


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
    threshold: float | None = None  # r*: where the fitted rate is halfway from its floor to its ceiling
    top: float | None = None  # the fitted ceiling (the rate far on the acting side)
    floor: float | None = None  # the fitted floor (the rate far on the other side)
    slope: float | None = None  # per unit of x: > 0 rising, < 0 falling
    p_flat: float | None = None  # likelihood-ratio p of the curve against one flat rate
    reason: str = ""

    def direction(self) -> str:
        return "" if self.slope is None else ("rising" if self.slope > 0 else "falling")

    def json(self) -> dict:
        return asdict(self)


def _rates(x, acts, trials):
    x, k, n = (np.asarray(v, np.float64) for v in (x, acts, trials))
    keep = n > 0
    if (k[keep] > n[keep]).any():  # an act without its opportunity is a counting bug, not data
        raise ValueError("more acts than opportunities at some treatment value")
    x, k, n = x[keep], k[keep], n[keep]
    order = np.argsort(x)
    return x[order], k[order], n[order]


def _binomial_ll(k, n, p) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))


def fit_threshold(x: Sequence[float], acts: Sequence[float], trials: Sequence[float]) -> Fit:
    """r* of the dose-response `acts / trials` against `x` (see the module docstring)."""
    x, k, n = _rates(x, acts, trials)
    ux = np.unique(x)
    if len(ux) < 2:
        return Fit("none", reason="fewer than two treatment values with opportunities")
    if k.sum() < MIN_ACTS:
        return Fit("none", reason=f"{int(k.sum())} act(s) in all (a curve needs at least {MIN_ACTS})")
    q = k / n
    if np.allclose(q, q[0], atol=1e-12):
        return Fit("none", reason=f"a flat response ({q[0]:.3g} at every treatment value)")
    lo, hi, span = float(ux[0]), float(ux[-1]), float(ux[-1] - ux[0])
    max_slope = MAX_STEEPNESS / float(np.min(np.diff(ux)))  # a step within a small part of any gap

    def rate(theta, at):
        top = special.expit(theta[0])
        floor = top * special.expit(theta[1])
        return floor + (top - floor) * special.expit(theta[2] * (at - theta[3]))

    def nll(theta):
        """The negative log-likelihood and its gradient (p = top * (e + (1 - e) * sig), floor = top * e)."""
        top, e = special.expit(theta[0]), special.expit(theta[1])
        sig = special.expit(theta[2] * (x - theta[3]))
        g = e + (1 - e) * sig
        p = np.clip(top * g, 1e-12, 1 - 1e-12)
        d = -(k / p - (n - k) / (1 - p))  # d nll / d p
        slope_part = top * (1 - e) * sig * (1 - sig)
        grad = [
            np.sum(d * top * (1 - top) * g),
            np.sum(d * top * e * (1 - e) * (1 - sig)),
            np.sum(d * slope_part * (x - theta[3])),
            np.sum(d * slope_part * -theta[2]),
        ]
        return -float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p))), np.array(grad)

    qmax = min(max(q.max(), 1e-3), 1 - 1e-3)
    start = [special.logit(qmax), special.logit(min(max(q.min() / qmax, 1e-3), 1 - 1e-3))]
    bounds = [(-12, 12), (-12, 12), (-max_slope, max_slope), (lo - span, hi + span)]
    best = None
    # starts at up to 8 gaps between grid points (evenly spread) and at the largest jump of the rate,
    # both directions, gentle and steep
    gaps = (ux[:-1] + ux[1:]) / 2
    rates_at = np.array([k[x == v].sum() / n[x == v].sum() for v in ux])
    mids = set(gaps[np.unique(np.linspace(0, len(gaps) - 1, min(8, len(gaps))).round().astype(int))])
    mids.add(gaps[int(np.argmax(np.abs(np.diff(rates_at))))])
    for mid in sorted(mids):
        for slope in (8 / span, -8 / span, max_slope / 4, -max_slope / 4):
            r = optimize.minimize(
                nll,
                [*start, slope, mid],
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 300},
            )
            if best is None or r.fun < best.fun:
                best = r
    theta = best.x
    top = float(special.expit(theta[0]))
    floor = float(top * special.expit(theta[1]))
    slope, mid = float(theta[2]), float(theta[3])
    # is there a dose-response at all? the curve against one flat rate, by likelihood ratio
    flat = _binomial_ll(k, n, np.full_like(q, k.sum() / n.sum()))
    p_flat = float(stats.chi2.sf(max(0.0, 2 * (-float(best.fun) - flat)), df=3))
    fit = dict(top=top, floor=floor, slope=slope, p_flat=p_flat)
    if p_flat >= 0.05:
        return Fit(
            "none",
            reason=f"the rates do not differ from one flat rate (likelihood ratio p = {p_flat:.3g})",
            **fit,
        )
    where = (rate(theta, ux) - floor) / max(top - floor, 1e-12)  # 0 at the floor, 1 at the ceiling
    if np.all((where < STEP_EDGE) | (where > 1 - STEP_EDGE)):
        # no grid point on the slope: a step, and r* anywhere between the two points it steps
        # between fits as well; the midpoint of those two
        side = where > 0.5
        cross = np.flatnonzero(side[1:] != side[:-1])
        if len(cross) == 0:
            return Fit("none", reason="the fitted step lies outside the treatment values", **fit)
        i = int(cross[0])
        return Fit("step", float((ux[i] + ux[i + 1]) / 2), **fit)
    if not lo <= mid <= hi:
        return Fit(
            "none",
            reason=f"the fitted halfway point ({mid:.3g}) lies outside the treatment values [{lo:g}, {hi:g}]",
            **fit,
        )
    return Fit("logistic", mid, **fit)


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
        return Contrast(m, m, m, n, None, _degenerate_p(m, n, alternative), alternative)
    with _quiet():
        t = stats.ttest_1samp(d, 0.0, alternative=alternative)
        ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)  # the two-sided 95% interval of the mean
    return Contrast(m, float(ci.low), float(ci.high), n, m / sd, float(t.pvalue), alternative)


def difference(
    a: Iterable[float | None], b: Iterable[float | None], alternative: str = "two-sided"
) -> Contrast:
    """mean(a) - mean(b) over two independent groups of seeds: Welch's t-test and its 95% interval;
    d_z here is Cohen's d with the pooled sd."""
    xa, xb = clean(a), clean(b)
    if not xa or not xb:
        return Contrast(None, None, None, min(len(xa), len(xb)), None, None, alternative)
    m = float(np.mean(xa) - np.mean(xb))
    n = min(len(xa), len(xb))
    if len(xa) < 2 or len(xb) < 2:
        return Contrast(m, None, None, n, None, None, alternative)
    pooled = math.sqrt(
        ((len(xa) - 1) * np.var(xa, ddof=1) + (len(xb) - 1) * np.var(xb, ddof=1)) / (len(xa) + len(xb) - 2)
    )
    if pooled == 0:
        return Contrast(m, m, m, n, None, _degenerate_p(m, n, alternative), alternative)
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


def _degenerate_p(m: float, n: int, alternative: str) -> float:
    """The p-value of differences that all equal m (zero spread): t is undefined there, so the
    exact sign test decides (n values of one sign: 0.5^n one-sided), never a p of 0."""
    if m == 0:
        return 1.0
    if alternative == "two-sided":
        return min(1.0, 2 * 0.5**n)
    return 0.5**n if (m > 0) == (alternative == "greater") else 1.0


def holm(contrasts: Sequence[Contrast]) -> None:
    """Holm's correction over the contrasts that have a p-value (set in place as `p_holm`)."""
    from statsmodels.stats.multitest import multipletests

    tested = [c for c in contrasts if c.p is not None]
    if not tested:
        return
    _, adjusted, _, _ = multipletests([c.p for c in tested], alpha=0.05, method="holm")
    for c, p in zip(tested, adjusted):
        c.p_holm = float(p)


def nearest(grid: Sequence[float], value: float, side: str = "", of: float | None = None) -> float | None:
    """The grid point nearest `value` (the lower one on a tie, to 1e-9); with `side` "above" or
    "below", only points strictly above (below) `of`; None when there is none."""
    g = sorted(float(v) for v in grid)
    if side == "above":
        g = [v for v in g if v > of]
    elif side == "below":
        g = [v for v in g if v < of]
    if not g:
        return None
    return min(g, key=lambda v: (round(abs(v - value), 9), v))
