"""learn/charts.py: colours that follow the name, and the panels drawn into a PNG."""

from __future__ import annotations

from learn import charts


def test_a_policy_keeps_its_colour_whatever_comes_with_it():
    a = charts.colors_for(["ppo-kinship", "ppo-none", "random", "scripted"])
    b = charts.colors_for(["scripted", "ppo-kinship", "random"])
    c = charts.colors_for(["ppo-kinship"])
    assert a["ppo-kinship"] == b["ppo-kinship"] == c["ppo-kinship"]
    assert a["random"] == b["random"] == charts.FIXED["random"]
    assert a["scripted"] == charts.FIXED["scripted"]
    assert charts.colors_for(list(reversed(list(a)))) == a


def test_colours_are_distinct_while_the_palette_lasts():
    names = [f"run-{i}" for i in range(8)]
    cols = charts.colors_for(names + ["random", "scripted"])
    assert len(set(cols.values())) == 10


def test_panels_draw(tmp_path):
    pg = charts.pygame()
    font, big = charts.fonts()
    surf = pg.Surface((600, 500))
    surf.fill((255, 255, 255))
    colors = charts.colors_for(["a", "b"])
    charts.bar_panel(surf, font, (10, 10, 580, 220), "bars", ["x", "y"],
                     {"a": [(1.0, 0.2, 3), (0.001, float("nan"), 1)], "b": [(0.0, 0.0, 3), (0.0, 0.0, 0)]}, colors)
    charts.xy_panel(surf, font, (10, 250, 580, 220), "points", [0.0, 0.5, 1.0],
                    {"a": [(0.0, 0.1, 3), (0.4, 0.1, 3), (0.9, 0.05, 3)]}, colors, "r", 0.5, "r = c/b")
    out = tmp_path / "c.png"
    charts.save(surf, out)
    img = pg.image.load(str(out))
    assert img.get_size() == (600, 500)
    # the bar of a at x is drawn in a's colour, and the threshold line in red
    found = {img.get_at((i, j))[:3] for i in range(0, 600, 2) for j in range(0, 500, 2)}
    assert colors["a"] in found and (200, 0, 0) in found
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, no temporary left
