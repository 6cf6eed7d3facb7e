"""learn/studies/analysis.py: the threshold fit, intervals, contrasts and Holm's correction, checked
against synthetic curves with known answers and against scipy / statsmodels directly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from learn.studies.analysis import contrast, difference, fit_threshold, holm, interval, mean_ci, nearest

GRID = np.round(np.arange(0, 1.0001, 0.05), 2)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("true_r, slope, top", [(0.43, 15.0, 0.8), (0.61, -12.0, 0.5), (0.3, 25.0, 0.3)])
def test_the_fit_recovers_a_known_threshold_within_0_02(seed, true_r, slope, top):
    rng = np.random.default_rng(seed)
    trials = rng.integers(1500, 2500, len(GRID))
    p = top * special.expit(slope * (GRID - true_r))
    acts = rng.binomial(trials, p)
    f = fit_threshold(GRID, acts, trials)
    assert f.kind == "logistic"
    assert abs(f.threshold - true_r) < 0.02
    assert np.sign(f.slope) == np.sign(slope) and abs(f.top - top) < 0.05


@pytest.mark.parametrize("step_at, rising", [(0.45, True), (0.25, False), (0.75, True)])
def test_a_separated_curve_yields_its_step_exactly(step_at, rising):
    grid = np.round(np.arange(0, 1.0001, 0.1), 1)
    acting = grid > step_at if rising else grid < step_at
    trials = np.full(len(grid), 40)
    acts = np.where(acting, 20, 0)  # acts on half the opportunities past the step, never before
    f = fit_threshold(grid, acts, trials)
    assert f.kind == "step"
    assert f.threshold == pytest.approx(step_at, abs=1e-9)
    assert (f.slope > 0) == rising


@pytest.mark.parametrize("seed", range(3))
def test_a_floor_does_not_move_the_threshold(seed):
    """A learner that still acts now and then on the wrong side: r* is halfway between floor and top."""
    rng = np.random.default_rng(seed)
    trials = np.full(len(GRID), 2000)
    p = 0.3 + 0.5 * special.expit(20 * (GRID - 0.5))
    f = fit_threshold(GRID, rng.binomial(trials, p), trials)
    assert f.kind == "logistic" and abs(f.threshold - 0.5) < 0.02 and abs(f.floor - 0.3) < 0.03
    step = fit_threshold(GRID, np.where(GRID > 0.5, 1600, 600), trials)
    assert step.kind == "step" and step.threshold == pytest.approx(0.525)


def test_a_step_on_a_fine_grid_is_still_a_step():
    grid = np.round(np.arange(0, 1.0001, 0.01), 2)
    f = fit_threshold(grid, np.where(grid > 0.425, 10, 0), np.full(len(grid), 20))
    assert f.kind == "step" and f.threshold == pytest.approx(0.425)


def test_no_curve_without_evidence_and_the_direction_is_reported():
    trials = np.full(len(GRID), 2000)
    one = np.zeros(len(GRID))
    one[-1] = 1
    assert fit_threshold(GRID, one, trials).kind == "none"  # one act in 42000 opportunities
    spike = np.zeros(len(GRID))
    spike[9] = 1000  # many acts, but at one point: no dose-response from the rest
    rng = np.random.default_rng(0)
    noise = rng.binomial(trials, 0.1)  # one flat rate
    f = fit_threshold(GRID, noise, trials)
    assert f.kind == "none" and f.p_flat >= 0.05
    falling = fit_threshold(GRID, np.where(GRID < 0.5, 500, 0), trials)
    assert falling.direction() == "falling" and falling.threshold == pytest.approx(0.475)
    with pytest.raises(ValueError):
        fit_threshold([0.1, 0.2], [3, 1], [2, 2])


def test_no_fit_says_why_instead_of_failing():
    assert fit_threshold(GRID, np.zeros(len(GRID)), np.full(len(GRID), 10)).reason.startswith("0 act(s)")
    flat = fit_threshold(GRID, np.full(len(GRID), 5), np.full(len(GRID), 10))
    assert flat.kind == "none" and "flat" in flat.reason
    one = fit_threshold([0.5, 0.5], [1, 2], [3, 3])
    assert one.kind == "none"
    # no opportunities anywhere but one value
    assert fit_threshold([0.1, 0.9], [0, 3], [0, 5]).kind == "none"


def test_mean_ci_and_interval_agree_with_scipy():
    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 12, 40):
        x = rng.normal(2, 1.5, n)
        m, hw, k = mean_ci(list(x) + [None, float("nan")])
        lo, hi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        assert k == n and m == pytest.approx(x.mean()) and hw == pytest.approx((hi - lo) / 2, rel=1e-9)
        iv = interval(x)
        assert iv.low == pytest.approx(lo, rel=1e-9) and iv.high == pytest.approx(hi, rel=1e-9)
    one = interval([4.0])
    assert one.mean == 4.0 and one.low is None and one.n == 1
    assert interval([]).mean is None


def test_contrast_agrees_with_scipys_t_test():
    rng = np.random.default_rng(5)
    d = rng.normal(0.2, 0.3, 6)
    c = contrast(d, "greater")
    ref = stats.ttest_1samp(d, 0.0, alternative="greater")
    assert c.p == pytest.approx(ref.pvalue, rel=1e-12)
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert (c.low, c.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert c.d_z == pytest.approx(d.mean() / d.std(ddof=1))
    two = contrast(d)
    assert two.p == pytest.approx(stats.ttest_1samp(d, 0.0).pvalue)


def test_one_seed_has_no_interval_and_no_test():
    c = contrast([0.4], "greater")
    assert c.mean == 0.4 and c.low is None and c.p is None
    assert difference([1.0], [0.0]).p is None


def test_unanimous_differences_are_decided_by_the_sign_test_never_p_0():
    assert contrast([0.5] * 4, "greater").p == 0.5**4
    assert contrast([0.5] * 2, "greater").p == 0.25  # two identical seeds are no evidence
    assert contrast([0.5] * 4).p == 2 * 0.5**4
    assert contrast([-0.5] * 4, "greater").p == 1.0
    assert contrast([0.0] * 4, "greater").p == 1.0


def test_difference_is_welchs_test():
    rng = np.random.default_rng(8)
    a, b = rng.normal(1, 1, 5), rng.normal(0, 2, 7)
    c = difference(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert c.p == pytest.approx(ref.pvalue) and c.mean == pytest.approx(a.mean() - b.mean())


def test_holm_matches_statsmodels_and_skips_untested():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(2)
    cs = [contrast(rng.normal(mu, 1, 5), "greater") for mu in (0.0, 0.5, 1.5, 3.0)] + [contrast([1.0])]
    holm(cs)
    ref = multipletests([c.p for c in cs[:4]], method="holm")[1]
    assert [c.p_holm for c in cs[:4]] == pytest.approx(list(ref))
    assert cs[4].p_holm is None
    assert all(c.p_holm >= c.p for c in cs[:4])


def test_nearest_grid_point():
    assert nearest([0.0, 0.1, 0.2], 0.14) == 0.1 and nearest([0.0, 0.1, 0.2], 0.16) == 0.2
    assert nearest([0.0, 0.5, 1.0], 0.75) == 0.5  # a tie goes to the lower point
    grid = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
    assert nearest(grid, 0.45 + 0.25, "above", 0.45) == 0.65  # 0.7: a tie to 1e-9, not float noise
    assert nearest(grid, 0.45 - 0.25, "below", 0.45) == 0.15
    # each side of the prediction keeps to its side, however uneven the grid
    assert (
        nearest([-1.0, 0.6, 1.0], 0.3, "below", 0.55) == -1.0
        and nearest([-1.0, 0.6, 1.0], 0.8, "above", 0.55) == 0.6
    )
    assert nearest([0.6, 1.0], 0.3, "below", 0.55) is None
