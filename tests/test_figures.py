"""learn/evaluation/figures.py: colours that follow the name, ranges that bound axes and whiskers, and files
written in every format, whole."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle
from PIL import Image

from learn.evaluation import figures
from learn.evaluation.coop import COOP_COLUMNS, COOP_RANGES

NAN = float("nan")


def test_a_policy_keeps_its_colour_whatever_comes_with_it():
    a = figures.colors_for(["ppo-kinship", "ppo-none", "random", "scripted"])
    b = figures.colors_for(["scripted", "ppo-kinship", "random"])
    c = figures.colors_for(["ppo-kinship"])
    assert a["ppo-kinship"] == b["ppo-kinship"] == c["ppo-kinship"]
    assert a["random"] == b["random"] == figures.FIXED["random"]
    assert a["scripted"] == figures.FIXED["scripted"]
    assert figures.colors_for(list(reversed(list(a)))) == a
    # and the colour of a name is not one a baseline owns
    assert a["ppo-kinship"] not in figures.FIXED.values() and a["ppo-none"] not in figures.FIXED.values()


def test_colours_are_distinct_while_the_palette_lasts():
    names = [f"run-{i}" for i in range(8)]
    cols = figures.colors_for(names + ["random", "scripted"])
    assert len(set(cols.values())) == 10


def test_metric_ranges():
    assert figures.metric_range("peace") == (0.0, 1.0)
    assert figures.metric_range("equality") == (0.0, 1.0)
    assert figures.metric_range("kin_attack_share") == (0.0, 1.0)
    assert figures.metric_range("hearts") == (0.0, None)
    assert figures.metric_range("attack_non_kin") == (0.0, None)
    assert figures.metric_range("mean_return") == (None, None)
    # names the table does not know: by their form
    assert figures.metric_range("giving_rate") == (0.0, 1.0)
    assert figures.metric_range("gifts_per_opportunity") == (0.0, 1.0)
    assert figures.metric_range("attack_rate_kin") == (0.0, 1.0)
    assert figures.metric_range("whatever") == (None, None) == figures.metric_range(None)


def test_every_cooperation_column_has_a_range():
    """A column added to learn/evaluation/coop.py gets its range beside it (COOP_RANGES), or is a rate
    by its name."""
    for c in COOP_COLUMNS:
        assert c in COOP_RANGES or figures.metric_range(c) == (0.0, 1.0), c
    assert set(COOP_RANGES) <= set(COOP_COLUMNS)


def _whisker_ys(ax) -> list[float]:
    """Every y of the drawn whiskers: the error bars' vertical segments and their caps."""
    ys = []
    for coll in ax.collections:
        if isinstance(coll, LineCollection):
            for seg in coll.get_segments():
                ys += [float(y) for y in np.asarray(seg)[:, 1]]
    for line in ax.lines:
        if line.get_marker() in ("_", 0, 1, 2, 3):  # caps
            ys += [float(y) for y in line.get_ydata()]
    return ys


def test_a_rate_stays_within_its_range():
    fig = figures.new_figure(600, 300)
    ax = fig.subplots()
    colors = figures.colors_for(["a", "b"])
    # wide intervals on both sides: 0.05 +- 0.8 and 0.95 +- 0.7 would run to -0.75 and 1.65
    series = {"a": [(0.05, 0.8, 4), (0.5, 0.1, 4)], "b": [(0.95, 0.7, 4), (0.3, NAN, 1)]}
    figures.bar_panel(ax, "peace", ["x", "y"], series, colors, metric="peace")
    lo, hi = ax.get_ylim()
    assert lo == 0.0 and 1.0 <= hi <= 1.05 + 1e-9
    ys = _whisker_ys(ax)
    assert len(ys) >= 6  # three whiskers (the n = 1 bar has none), each with ends
    assert min(ys) >= 0.0 and max(ys) <= 1.0
    assert min(ys) == pytest.approx(0.0) and max(ys) == pytest.approx(1.0)  # cut at the range, not dropped
    texts = [t.get_text() for t in ax.texts]
    assert any("n=1" in t for t in texts)  # the bar without a whisker says why
    # without a metric the same data keeps its whole interval
    ax2 = fig.add_subplot(2, 1, 2)
    figures.bar_panel(ax2, "raw", ["x", "y"], {"a": [(0.05, 0.8, 4), (0.5, 0.1, 4)]}, colors)
    assert min(_whisker_ys(ax2)) == pytest.approx(-0.75) and ax2.get_ylim()[0] < -0.75


def test_bars_are_drawn_in_the_series_colour_at_their_means():
    fig = figures.new_figure(600, 300)
    ax = fig.subplots()
    colors = figures.colors_for(["a", "b"])
    series = {"a": [(2.0, 0.5, 3), (0.0, 0.0, 0)], "b": [(1.0, 0.2, 3), (3.0, 0.1, 3)]}
    figures.bar_panel(ax, "hearts", ["x", "y"], series, colors, metric="hearts")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    got = sorted((round(p.get_height(), 6), p.get_facecolor()[:3]) for p in bars)
    assert got == sorted([(2.0, to_rgb(colors["a"])), (1.0, to_rgb(colors["b"])), (3.0, to_rgb(colors["b"]))])
    assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] >= 3.1  # the whiskers and the labels fit
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]


def test_a_mean_outside_the_range_is_still_shown():
    """A mean the range did not foresee (an equality below 0, from a negative return) widens the
    axis rather than hide its bar."""
    fig = figures.new_figure(400, 300)
    ax = fig.subplots()
    figures.bar_panel(
        ax, "equality", ["x"], {"a": [(-0.2, 0.1, 5)]}, figures.colors_for(["a"]), metric="equality"
    )
    assert ax.get_ylim()[0] < -0.2


def test_xy_panel_cuts_whiskers_and_marks_the_threshold():
    fig = figures.new_figure(500, 300)
    ax = fig.subplots()
    colors = figures.colors_for(["trained", "random"])
    figures.xy_panel(
        ax,
        "giving_rate",
        [0.0, 0.5, 1.0],
        {
            "trained": [(0.02, 0.3, 3), (0.4, 0.1, 3), (0.97, 0.2, 3)],
            "random": [(0.1, NAN, 1), (0.1, 0.01, 3), (0.1, 0.01, 3)],
        },
        colors,
        "relatedness r",
        0.5,
        "r = c/b",
        metric="giving_rate",
    )
    lo, hi = ax.get_ylim()
    assert lo >= 0.0 - 0.05 - 1e-9 and hi <= 1.05 + 1e-9
    ys = _whisker_ys(ax)
    assert ys and min(ys) >= 0.0 and max(ys) <= 1.0
    vlines = [ln for ln in ax.lines if list(ln.get_xdata()) == [0.5, 0.5]]
    assert vlines  # the threshold
    texts = [t.get_text() for t in ax.texts]
    assert any("r = c/b" in t for t in texts) and any("n=1" in t for t in texts)
    assert ax.get_xlabel() == "relatedness r"


def test_save_writes_png_and_svg_whole(tmp_path):
    fig = figures.new_figure(640, 360)
    ax = fig.subplots()
    figures.bar_panel(ax, "t", ["x"], {"a": [(1.0, 0.5, 3)]}, figures.colors_for(["a"]))
    out = tmp_path / "sub" / "f.png"
    paths = figures.save(fig, out)
    assert paths == [out, out.with_suffix(".svg")]
    with Image.open(out) as im:
        assert im.size == (640, 360) and im.format == "PNG"
    svg = out.with_suffix(".svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "</svg>" in svg.rstrip()[-10:]
    assert "<dc:date>" not in svg  # no timestamp: the same figure gives the same file
    assert sorted(p.name for p in out.parent.iterdir()) == ["f.png", "f.svg"]  # no temporary left
    # a PDF beside it on request; a path naming another format is written in that format
    paths = figures.save(fig, tmp_path / "g.svg", formats=("png", "pdf"))
    assert [p.name for p in paths] == ["g.svg", "g.png", "g.pdf"]
    assert (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    fig = figures.new_figure(200, 100)
    fig.subplots()
    out = tmp_path / "f.png"
    out.write_bytes(b"old")

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        figures.save(fig, out)
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]


def test_nothing_but_zeros_gets_a_readable_axis():
    fig = figures.new_figure(400, 300)
    ax = fig.subplots()
    figures.bar_panel(
        ax,
        "attacks",
        ["x", "y"],
        {"a": [(0.0, 0.0, 3), (0.0, NAN, 0)]},
        figures.colors_for(["a"]),
        metric="attack_kin",
    )
    lo, hi = ax.get_ylim()
    assert lo == 0.0 and hi > 0.5 and not math.isnan(hi)
    assert any(t.get_text() == "n=0" for t in ax.texts)  # the bar without episodes says so
