"""A PNG of a level's map (`python -m game render`), for docs and level authoring.

Terrain walls are dark slate, the floor near-black with a faint grid, every building type a
rounded tile in its own colour with its map letter, agents discs in their group's colour with a
notch showing their facing (all agents start facing up). The colours are the viewer's
(game/tools/palette.py); the viewer draws its own live, zoomable look in viewer/render.py.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from game.maps.make import MapLayout, make_layout
from game.rules.schema import Level
from game.tools import palette

FLOOR = (24, 26, 32)
GRID = (34, 37, 45)
TERRAIN = (88, 94, 110)


def group_color(level: Level, group: str) -> tuple[int, int, int]:
    return palette.group_color(group, list(level.groups).index(group) if group in level.groups else 0)


def _text_color(bg: tuple[int, int, int]) -> tuple[int, int, int]:
    return (20, 20, 20) if sum(bg) > 380 else (245, 245, 245)


def draw_layout(
    surface, level: Level, layout: MapLayout, tile: int, origin: tuple[int, int] = (0, 0)
) -> None:
    """Draw `layout` onto a pygame surface, `tile` pixels per cell, from `origin`.

    Letters are drawn from tiles of 8 pixels; agents get an outline and a facing notch from 12."""
    import pygame

    ox, oy = origin
    surface.fill(FLOOR, (ox, oy, layout.width * tile, layout.height * tile))
    for r in range(layout.height + 1):
        pygame.draw.line(surface, GRID, (ox, oy + r * tile), (ox + layout.width * tile, oy + r * tile))
    for c in range(layout.width + 1):
        pygame.draw.line(surface, GRID, (ox + c * tile, oy), (ox + c * tile, oy + layout.height * tile))
    for r, c in zip(*layout.walls.nonzero()):
        surface.fill(TERRAIN, (ox + c * tile, oy + r * tile, tile, tile))
    font = pygame.font.Font(None, max(int(tile * 0.95), 8))
    pad = max(tile // 10, 1)
    letters: dict[str, object] = {}
    for name, r, c in layout.objects:
        color = palette.building_color(name)
        rect = pygame.Rect(ox + c * tile + pad, oy + r * tile + pad, tile - 2 * pad, tile - 2 * pad)
        pygame.draw.rect(surface, color, rect, border_radius=max(tile // 5, 1))
        if name not in letters:
            letters[name] = font.render(level.buildings[name].char.upper(), True, _text_color(color))
        if tile >= 8:
            img = letters[name]
            surface.blit(img, img.get_rect(center=rect.center))
    for group, r, c in layout.agents:
        color = group_color(level, group)
        cx, cy = ox + c * tile + tile // 2, oy + r * tile + tile // 2
        small = tile < 12  # small tiles: a plain disc, so the colour reads
        rad = max(tile // 2 - (0 if small else pad), 2)
        pygame.draw.circle(surface, color, (cx, cy), rad)
        if small:
            continue
        pygame.draw.circle(surface, (15, 15, 15), (cx, cy), rad, max(tile // 12, 1))
        # facing notch: agents start facing up
        pygame.draw.polygon(
            surface,
            (15, 15, 15),
            [(cx, cy - rad + pad), (cx - rad // 2, cy - rad // 4), (cx + rad // 2, cy - rad // 4)],
        )


def legend_items(level: Level, layout: MapLayout) -> list[tuple[str, tuple[int, int, int], str]]:
    """(label, colour, letter) for every building and group present, for a key under the map."""
    out = []
    for name in dict.fromkeys(n for n, _, _ in layout.objects):
        out.append((name, palette.building_color(name), level.buildings[name].char.upper()))
    for group in dict.fromkeys(g for g, _, _ in layout.agents):
        out.append((f"agent.{group}", group_color(level, group), ""))
    return out


def render_png(
    level: Level, path: str | Path, seed: int = 0, tile: int = 16, key: bool = True
) -> tuple[int, int]:
    """Write the map of `level` (as built from `seed`) to a PNG; returns its (width, height)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pygame's own pkg_resources deprecation notice
        import pygame

    pygame.font.init()
    layout = make_layout(level, seed)
    items = legend_items(level, layout) if key else []
    W, H = layout.width * tile, layout.height * tile
    kfont = pygame.font.Font(None, 18)
    row_h = 20
    cols = max(1, W // 150)
    key_h = ((len(items) + cols - 1) // cols) * row_h + 8 if items else 0
    width = max(W, 150 if items else 0)
    surface = pygame.Surface((width, H + key_h))
    surface.fill((12, 13, 16))
    draw_layout(surface, level, layout, tile)
    for i, (label, color, letter) in enumerate(items):
        x = (i % cols) * 150 + 6
        y = H + 6 + (i // cols) * row_h
        if letter:
            pygame.draw.rect(surface, color, (x, y, 14, 14), border_radius=3)
        else:
            pygame.draw.circle(surface, color, (x + 7, y + 7), 7)
        surface.blit(kfont.render(label, True, (220, 220, 220)), (x + 20, y + 1))
    pygame.image.save(surface, str(path))
    return surface.get_size()
