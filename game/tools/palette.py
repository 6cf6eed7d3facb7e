"""The game's colours, one home for the level PNG (game/tools/render.py) and the viewer.

A group named after a colour gets that colour, any other the palette in declaration order; a
building type its own colour, an unknown one a colour hashed from its name (stable across runs,
unlike `hash()`).
"""

from __future__ import annotations

import colorsys
import zlib

RGB = tuple[int, int, int]

GROUP_COLORS: dict[str, RGB] = {
    "red": (225, 70, 70),
    "blue": (70, 120, 240),
    "green": (70, 200, 90),
    "yellow": (235, 205, 60),
    "purple": (170, 90, 220),
    "orange": (240, 150, 50),
    "cyan": (70, 210, 220),
    "pink": (240, 120, 190),
    "white": (230, 230, 230),
    "black": (60, 60, 60),
    "brown": (150, 100, 60),
    "grey": (150, 150, 150),
}
PALETTE: list[RGB] = list(GROUP_COLORS.values())[:8]  # for groups not named after a colour
BUILDING_COLORS: dict[str, RGB] = {
    "wall": (120, 122, 134),
    "block": (196, 164, 112),
    "mine": (170, 96, 46),
    "generator": (240, 196, 46),
    "charger": (60, 200, 235),
    "altar": (215, 80, 215),
    "armory": (130, 150, 175),
    "lasery": (235, 85, 60),
    "lab": (90, 205, 150),
    "factory": (170, 170, 70),
    "temple": (245, 235, 190),
}
RESOURCE_COLORS: dict[str, RGB] = {
    "ore": (190, 110, 55),
    "battery": (240, 200, 50),
    "heart": (240, 80, 120),
    "armor": (150, 165, 185),
    "laser": (255, 90, 60),
    "blueprint": (90, 150, 255),
}


def hashed_color(name: str) -> RGB:
    r, g, b = colorsys.hsv_to_rgb((zlib.crc32(name.encode()) % 360) / 360, 0.5, 0.8)
    return int(r * 255), int(g * 255), int(b * 255)


def group_color(name: str, i: int) -> RGB:
    """Group `name`, the `i`-th the level declares."""
    return GROUP_COLORS.get(name.lower(), PALETTE[i % len(PALETTE)])


def building_color(name: str) -> RGB:
    return BUILDING_COLORS.get(name) or hashed_color(name)


def resource_color(name: str) -> RGB:
    return RESOURCE_COLORS.get(name) or hashed_color(name)
