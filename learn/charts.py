"""PNG charts drawn with pygame (no matplotlib needed): grouped bars with 95% CI whiskers (the
scorecard, study reports) and points-and-lines against a numeric x (a study's arms by `x`)."""

from __future__ import annotations

import math
import os

from learn.atomic import atomic_open

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


# the baselines keep one colour in every chart
FIXED = {"random": (127, 127, 127), "scripted": (44, 160, 44)}


def colors_for(names) -> dict[str, tuple[int, int, int]]:
    """A colour per name that depends on the name, not on the order or company it comes in (so
    a policy keeps its colour from chart to chart); names that would share one take the next
    free colour, in sorted order."""
    import zlib

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


def pygame():
    """pygame, imported headless (works without a display)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import warnings

    with warnings.catch_warnings():  # pygame's own use of the deprecated pkg_resources
        warnings.simplefilter("ignore")
        import pygame as pg
    pg.font.init()
    return pg


def fonts():
    """(the label font, the legend font)."""
    pg = pygame()
    return pg.font.Font(None, 18), pg.font.Font(None, 24)


def legend_rows(font, names, width: int) -> int:
    """Rows the legend of `names` takes in a chart `width` wide."""
    rows, x = 1, 10
    for p in names:
        w = font.size(p)[0] + 58
        if x + w > width and x > 10:
            rows, x = rows + 1, 10
        x += w
    return rows


def legend(surf, font, names, colors, y: int = 12) -> None:
    """Swatches and names, wrapped onto more rows when they do not fit (see legend_rows)."""
    pg = pygame()
    x, width = 10, surf.get_width()
    for p in names:
        lab = font.render(p, True, (0, 0, 0))
        if x + lab.get_width() + 58 > width and x > 10:
            x, y = 10, y + 24
        pg.draw.rect(surf, colors[p], pg.Rect(x, y + 2, 14, 14))
        surf.blit(lab, (x + 18, y))
        x += lab.get_width() + 40


def _axis(surf, font, pg, x0, top, bottom, left, right, vmin, vmax):
    """The y axis with five grid lines; returns value -> pixel row."""
    if vmax - vmin <= 1e-9:  # nothing but zeros: a 0..1 axis, not 0..1e-9
        vmax = vmin + 1.0
    span = vmax - vmin

    def y(v):
        return bottom - (min(max(v, vmin), vmax) - vmin) / span * (bottom - top)

    pg.draw.line(surf, (0, 0, 0), (left, top), (left, bottom))
    for k in range(5):
        v = vmin + span * k / 4
        pg.draw.line(surf, (225, 225, 225), (left + 1, y(v)), (right, y(v)))
        lab = font.render(f"{v:.3g}", True, (60, 60, 60))
        surf.blit(lab, (left - 6 - lab.get_width(), y(v) - 7))
    return y


def _whisker(surf, pg, cx, y, m, hw) -> None:
    if math.isnan(hw):
        return
    pg.draw.line(surf, (0, 0, 0), (cx, y(m - hw)), (cx, y(m + hw)), 1)
    for v in (m - hw, m + hw):
        pg.draw.line(surf, (0, 0, 0), (cx - 3, y(v)), (cx + 3, y(v)), 1)


def bar_panel(surf, font, rect, title, groups, series, colors) -> None:
    """Grouped bars: `groups` x labels; `series` {name: [(mean, half, n) per group]}."""
    pg = pygame()
    x0, y0, w, h = rect
    surf.blit(font.render(title, True, (0, 0, 0)), (x0, y0))
    top, bottom, left = y0 + 24, y0 + h - 34, x0 + 56
    # the axis covers the means and the upper whiskers; lower whiskers are clipped at the axis
    vals = [m + (0 if math.isnan(hw) else hw) for s in series.values() for m, hw, n in s if n]
    vmax = max(vals + [1e-9])
    vmin = min([m for s in series.values() for m, hw, n in s if n] + [0.0])
    y = _axis(surf, font, pg, x0, top, bottom, left, x0 + w, vmin, vmax)
    pg.draw.line(surf, (0, 0, 0), (left, y(0)), (x0 + w, y(0)))
    ng, ns = max(len(groups), 1), max(len(series), 1)
    gw = (x0 + w - left) / ng
    bw = max(2.0, gw * 0.8 / ns)
    for gi, g in enumerate(groups):
        for si, (name, vals_) in enumerate(series.items()):
            m, hw, n = vals_[gi]
            if not n:
                continue
            bx = left + gi * gw + gw * 0.1 + si * bw
            r = pg.Rect(int(bx), int(min(y(m), y(0))), max(1, int(bw) - 2), max(1, int(abs(y(m) - y(0)))))
            pg.draw.rect(surf, colors[name], r)
            _whisker(surf, pg, int(bx + bw / 2 - 1), y, m, hw)
            lab = font.render(f"{m:.2g}", True, (40, 40, 40))  # tiny bars beside big ones stay readable
            if lab.get_width() <= bw + 6:
                surf.blit(lab, (bx + bw / 2 - lab.get_width() / 2, min(y(m), y(0)) - 14))
        lab = font.render(str(g), True, (0, 0, 0))
        surf.blit(lab, (left + gi * gw + gw / 2 - lab.get_width() / 2, bottom + 6))


def xy_panel(surf, font, rect, title, xs, series, colors, x_label: str = "", threshold: float | None = None,
             threshold_label: str = "") -> None:
    """Points joined by lines at numeric `xs`; `series` {name: [(mean, half, n) per x]}; an
    optional dashed vertical line at `threshold`."""
    pg = pygame()
    x0, y0, w, h = rect
    surf.blit(font.render(title, True, (0, 0, 0)), (x0, y0))
    top, bottom, left, right = y0 + 24, y0 + h - 40, x0 + 56, x0 + w - 20
    pts = [(m, hw) for s in series.values() for m, hw, n in s if n]
    vmax = max([m + (0 if math.isnan(hw) else hw) for m, hw in pts] + [1e-9])
    vmin = min([m - (0 if math.isnan(hw) else hw) for m, hw in pts] + [0.0])
    y = _axis(surf, font, pg, x0, top, bottom, left, right, vmin, vmax)
    lo, hi = min(list(xs) + ([threshold] if threshold is not None else [])), max(
        list(xs) + ([threshold] if threshold is not None else []))
    span = (hi - lo) or 1.0

    def x(v):
        return left + 20 + (v - lo) / span * (right - left - 40)

    pg.draw.line(surf, (0, 0, 0), (left, bottom), (right, bottom))
    for v in xs:
        lab = font.render(f"{v:g}", True, (0, 0, 0))
        surf.blit(lab, (x(v) - lab.get_width() / 2, bottom + 6))
    if x_label:
        lab = font.render(x_label, True, (0, 0, 0))
        surf.blit(lab, ((left + right) / 2 - lab.get_width() / 2, bottom + 22))
    if threshold is not None:
        tx = int(x(threshold))
        for yy in range(int(top), int(bottom), 8):
            pg.draw.line(surf, (200, 0, 0), (tx, yy), (tx, min(yy + 4, bottom)), 1)
        if threshold_label:
            surf.blit(font.render(threshold_label, True, (200, 0, 0)), (tx + 4, top))
    for name, vals in series.items():
        prev = None
        for v, (m, hw, n) in zip(xs, vals):
            if not n:
                prev = None
                continue
            p = (int(x(v)), int(y(m)))
            if prev:
                pg.draw.line(surf, colors[name], prev, p, 2)
            pg.draw.circle(surf, colors[name], p, 4)
            _whisker(surf, pg, p[0], y, m, hw)
            prev = p


def save(surf, path) -> None:
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as f:
        pygame().image.save(surf, f, path.name)  # the name hint picks the format
