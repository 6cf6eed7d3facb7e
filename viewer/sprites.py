"""Sprites of one tile size: buildings, agents, status overlays (the map and the legend use them).

Small tiles (the whole arena in the window) cannot show letters, so each building kind also has
its own shape and color; the letter is added once the tile is big enough to read it.
"""

from __future__ import annotations

import math

import pygame

from game.rules.constants import DC, DR
from game.tools.palette import building_color

SHIELD = (110, 200, 255)
ICE = (170, 230, 255)
GLYPH = {
    "mine": "M",
    "generator": "G",
    "charger": "C",
    "altar": "A",
    "armory": "R",
    "lasery": "L",
    "lab": "B",
    "factory": "F",
    "temple": "T",
    "wall": "",
    "block": "",
}
# unit polygons (x, y in -1..1) per kind; agents are discs, so no building is round
SHAPES = {
    "square": [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)],
    "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
    "triangle": [(0, -0.95), (0.95, 0.8), (-0.95, 0.8)],
    "down": [(-0.95, -0.8), (0.95, -0.8), (0, 0.95)],
    "cross": [
        (-0.35, -0.95),
        (0.35, -0.95),
        (0.35, -0.35),
        (0.95, -0.35),
        (0.95, 0.35),
        (0.35, 0.35),
        (0.35, 0.95),
        (-0.35, 0.95),
        (-0.35, 0.35),
        (-0.95, 0.35),
        (-0.95, -0.35),
        (-0.35, -0.35),
    ],
    "hexagon": [(math.cos(a * math.pi / 3), math.sin(a * math.pi / 3)) for a in range(6)],
    "octagon": [(math.cos((a + 0.5) * math.pi / 4), math.sin((a + 0.5) * math.pi / 4)) for a in range(8)],
}
BUILDING_SHAPE = {
    "mine": "diamond",
    "generator": "square",
    "charger": "cross",
    "altar": "triangle",
    "armory": "octagon",
    "lasery": "down",
    "lab": "hexagon",
    "factory": "square",
    "temple": "triangle",
}
GLYPH_MIN_TILE = 18  # below this a letter is a smudge: the shape and color carry the kind


def dim(c, f=0.45):
    return tuple(int(x * f) for x in c)


def building_sprite(name: str, glyph: str, ready: bool, t: int, font) -> pygame.Surface:
    """A building of kind `name`: bright with a white outline when ready, dimmed otherwise."""
    s = pygame.Surface((t, t), pygame.SRCALPHA)
    col = building_color(name) if ready else dim(building_color(name), 0.5)
    pad = max(1, t // 10)
    rect = pygame.Rect(pad, pad, t - 2 * pad, t - 2 * pad)
    if name == "wall":
        pygame.draw.rect(s, col, pygame.Rect(0, 0, t, t))
        if t >= 8:
            for y in range(0, t, max(t // 3, 2)):
                pygame.draw.line(s, dim(col, 0.7), (0, y), (t, y))
        return s
    if name == "block":
        pygame.draw.rect(s, col, rect, border_radius=max(1, t // 8))
        pygame.draw.line(s, dim(col, 0.6), rect.topleft, rect.bottomright, max(1, t // 10))
        pygame.draw.line(s, dim(col, 0.6), rect.topright, rect.bottomleft, max(1, t // 10))
        return s
    half = t / 2 - pad
    poly = [(t / 2 + x * half, t / 2 + y * half) for x, y in SHAPES[BUILDING_SHAPE.get(name, "square")]]
    pygame.draw.polygon(s, col, poly)
    pygame.draw.polygon(s, (255, 255, 255) if ready else (70, 70, 70), poly, max(1, t // 14))
    if glyph and t >= GLYPH_MIN_TILE:
        txt = font(max(10, int(t * 0.7))).render(glyph, True, (20, 20, 20) if ready else (110, 110, 110))
        s.blit(txt, txt.get_rect(center=(t / 2, t / 2 + 1)))
    return s


def agent_sprite(col, o: int, t: int) -> pygame.Surface:
    """A disc in the group's color with a white arrow towards orientation `o`."""
    s = pygame.Surface((t, t), pygame.SRCALPHA)
    cx = cy = t / 2
    pygame.draw.circle(s, (12, 12, 16), (cx, cy), t * 0.47)  # dark rim: the disc stands out on any tile
    pygame.draw.circle(s, col, (cx, cy), t * 0.47 - max(1, t // 14))
    dr, dc = DR[o], DC[o]
    tip = (cx + dc * t * 0.44, cy + dr * t * 0.44)
    side = (dr * t * 0.22, -dc * t * 0.22)
    base = (cx - dc * t * 0.04, cy - dr * t * 0.04)
    tri = [tip, (base[0] + side[0], base[1] + side[1]), (base[0] - side[0], base[1] - side[1])]
    pygame.draw.polygon(s, (250, 250, 250), tri)
    if t >= 10:
        pygame.draw.polygon(s, (30, 30, 30), tri, 1)
    return s


def shield_sprite(t: int) -> pygame.Surface:
    s = pygame.Surface((t, t), pygame.SRCALPHA)
    pygame.draw.circle(s, SHIELD, (t / 2, t / 2), t * 0.5, max(2, t // 8))
    return s


def frozen_sprite(t: int) -> pygame.Surface:
    s = pygame.Surface((t, t), pygame.SRCALPHA)
    s.fill((*ICE, 110))
    w = max(1, t // 12)
    for a in range(3):
        ang = a * math.pi / 3
        dx, dy = math.cos(ang) * t * 0.42, math.sin(ang) * t * 0.42
        pygame.draw.line(s, (255, 255, 255), (t / 2 - dx, t / 2 - dy), (t / 2 + dx, t / 2 + dy), w)
    return s
