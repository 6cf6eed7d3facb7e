"""Event marks on the map (see viewer.events): lines, arrows, rings and bursts that fade out.

Fading mixes each mark's color towards the floor's instead of using per-pixel alpha: the marks
are drawn straight onto the frame, with no full-window alpha surface to clear and blit.
"""

from __future__ import annotations

import math

import pygame

from viewer.events import FADE_TICKS
from viewer.sprites import ICE

FLOOR_MIX = (44, 46, 54)
OUTLINE = (10, 10, 14)
MIN_TILE = 20
EVENT_COLORS = {
    "attack": (255, 60, 40),
    "freeze": ICE,
    "use": (255, 255, 255),
    "transfer": (90, 240, 110),
    "bond": (255, 120, 200),
    "steal": (255, 200, 40),
}


def faded(col, f: float):
    return tuple(int(m + (c - m) * f) for c, m in zip(col, FLOOR_MIX))


def _unit(a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def _below(ux: float, uy: float) -> tuple[float, float]:
    """The unit normal of direction (ux, uy) that points down (right for a vertical pair): the
    selected agent's inventory label sits above it, out of the way."""
    nx, ny = -uy, ux
    return (-nx, -ny) if ny < 0 or (ny == 0 and nx < 0) else (nx, ny)


def _arrow(surf, col, a, b, w: int, head: float, grow: int) -> None:
    """A line from a to b with a triangular head ending at b; `grow` widens it (the outline pass)."""
    ux, uy = _unit(a, b)
    base = (b[0] - ux * head, b[1] - uy * head)
    pygame.draw.line(surf, col, a, base, w + grow)
    side = (-uy * head * 0.6, ux * head * 0.6)
    tri = [b, (base[0] + side[0], base[1] + side[1]), (base[0] - side[0], base[1] - side[1])]
    pygame.draw.polygon(surf, col, tri)
    if grow:
        pygame.draw.polygon(surf, col, tri, grow)


def _paint(surf, kind: str, a, b, m: float, age: int, col, grow: int) -> None:
    w = max(3, int(m / 6))
    if kind == "attack":
        pygame.draw.line(surf, col, a, b, w + grow)
        k = m * 0.4
        for sx in (-1, 1):
            pygame.draw.line(surf, col, (b[0] - k, b[1] - sx * k), (b[0] + k, b[1] + sx * k), w + grow)
    elif kind == "freeze":
        for i in range(8):
            ang = i * math.pi / 4
            r0, r1 = m * 0.45, m * (0.75 if i % 2 else 0.95)
            pygame.draw.line(
                surf,
                col,
                (a[0] + math.cos(ang) * r0, a[1] + math.sin(ang) * r0),
                (a[0] + math.cos(ang) * r1, a[1] + math.sin(ang) * r1),
                w - 1 + grow,
            )
    elif kind == "use":  # a ring that widens as it fades
        pygame.draw.circle(surf, col, b, m * (0.6 + 0.1 * age), w - 1 + grow)
    elif kind in ("transfer", "steal"):
        # beside the pair rather than between them: neighbours' centres are one tile apart, all of
        # it under the two discs at the whole-map zoom
        src, dst = (a, b) if kind == "transfer" else (b, a)
        ux, uy = _unit(src, dst)
        sx, sy = _below(ux, uy)
        mid = ((src[0] + dst[0]) / 2 + sx * m * 0.7, (src[1] + dst[1]) / 2 + sy * m * 0.7)
        half = max(math.hypot(dst[0] - src[0], dst[1] - src[1]) / 2, m * 0.6)
        _arrow(
            surf,
            col,
            (mid[0] - ux * half, mid[1] - uy * half),
            (mid[0] + ux * half, mid[1] + uy * half),
            w,
            max(6, m * 0.45),
            grow,
        )
    elif kind == "bond":
        pygame.draw.line(surf, col, a, b, w + grow)
        for p in (a, b):
            pygame.draw.circle(surf, col, p, m * 0.62, w - 1 + grow)


def label_at(kind: str, a, b, m: float):
    """Where the +n of a transfer or steal goes: beyond its arrow, away from the two cells."""
    sx, sy = _below(*_unit(a, b))
    return (a[0] + b[0]) / 2 + sx * m * 1.4, (a[1] + b[1]) / 2 + sy * m * 1.4


def draw_mark(surf, kind: str, a, b, m: float, f: float = 1.0, age: int = 0, label=None) -> None:
    """One event between pixel centres a (actor) and b (target), `m` pixels a tile, brightness f;
    a dark outline makes it show on any color."""
    _paint(surf, kind, a, b, m, age, faded(OUTLINE, f), 3)
    _paint(surf, kind, a, b, m, age, faded(EVENT_COLORS[kind], f), 0)
    if label is not None:
        x, y = label_at(kind, a, b, m)
        surf.blit(label, label.get_rect(center=(x, y)))


def draw_events(surf, view, cam, recent, text) -> None:
    """Each (event, age) of `recent`; `text(s, size, color)` renders the +n of transfers and steals.
    Marks are never smaller than a MIN_TILE tile: at the whole-map zoom a tile is a few pixels."""
    m = max(cam.tile, MIN_TILE)
    for e, age in recent:
        a = cam.to_screen(e.src[0] + 0.5, e.src[1] + 0.5, view)
        b = cam.to_screen(e.dst[0] + 0.5, e.dst[1] + 0.5, view)
        f = 1.0 - age / FADE_TICKS
        label = text(f"+{e.amount}", 20, faded(EVENT_COLORS[e.kind], f)) if e.amount else None
        draw_mark(surf, e.kind, a, b, m, f, age, label)
