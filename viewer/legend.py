"""The legend: what each building, team color, agent mark and event mark on the map means.

Drawn once per level and width into a surface from the same sprites and marks as the map
(viewer.sprites, viewer.marks), so it cannot drift from what the map shows.
"""

from __future__ import annotations

import pygame

from viewer.events import FADE_TICKS
from viewer.marks import draw_mark
from viewer.sprites import agent_sprite, building_sprite, frozen_sprite, shield_sprite

T = 16  # sample tile size
ROW = 22
HEAD = (255, 220, 60)
# short: the sample beside each shows who acted on whom (docs/viewer.md says it in words)
EVENT_NAMES = {
    "attack": "attack",
    "freeze": "freeze",
    "use": "use",
    "transfer": "give",
    "bond": "bond",
    "steal": "steal",
}


def _sample(kind: str, renderer) -> pygame.Surface:
    """A 3-tile-wide picture: the actor on the left, the event's target on the right (room below
    them for the arrows of transfers and steals, drawn beside the pair as on the map)."""
    s = pygame.Surface((3 * T, ROW), pygame.SRCALPHA)
    a, b, m = (T / 2, T / 2), (2.5 * T, T / 2), T * 0.75
    actor = agent_sprite(renderer.g_colors[0], 3, T)
    if kind == "freeze":
        s.blit(actor, (T, 0))
        s.blit(frozen_sprite(T), (T, 0))
        draw_mark(s, kind, (1.5 * T, T / 2), b, m)
        return s
    s.blit(actor, (0, 0))
    if kind == "use":
        s.blit(building_sprite("mine", "", True, T, renderer.font), (2 * T, 0))
    elif kind != "attack":
        s.blit(agent_sprite(renderer.g_colors[-1], 2, T), (2 * T, 0))
    draw_mark(s, kind, a, b, m)
    return s


def _items(renderer) -> list[tuple[str, list[tuple[pygame.Surface, str]]]]:
    """(section title, [(picture, label)]) for the level the renderer is bound to."""
    t, font = T, renderer.font
    names = renderer.placed_kinds or renderer.building_names
    buildings = [(building_sprite(n, "", True, t, font), n) for n in names]
    used = next((n for n in names if n not in ("wall", "block")), names[0])
    cooling = building_sprite(used, "", False, t, font)
    pygame.draw.rect(cooling, (255, 90, 60), (1, t - 2, t // 2, 2))
    buildings.append((cooling, "cooling down"))
    agents = [(agent_sprite(col, 3, t), n) for n, col in zip(renderer.group_names, renderer.g_colors)]
    marked = agent_sprite(renderer.g_colors[0], 3, t)
    pygame.draw.circle(marked, (20, 20, 20), (3, 3), 3)
    pygame.draw.circle(marked, (90, 255, 120), (3, 3), 2)
    shielded, frozen = agent_sprite(renderer.g_colors[0], 3, t), agent_sprite(renderer.g_colors[0], 3, t)
    shielded.blit(shield_sprite(t), (0, 0))
    frozen.blit(frozen_sprite(t), (0, 0))
    selected, you = (pygame.Surface((t + 4, t + 4), pygame.SRCALPHA) for _ in range(2))
    for surf, col in ((selected, HEAD), (you, (255, 255, 255))):
        surf.blit(agent_sprite(renderer.g_colors[0], 3, t), (2, 2))
        pygame.draw.rect(surf, col, surf.get_rect(), 2)
    agents += [
        (shielded, "shield on"),
        (frozen, "frozen"),
        (marked, "marker color"),
        (selected, "selected"),
        (you, "you drive it"),
    ]
    events = [(_sample(k, renderer), EVENT_NAMES[k]) for k in EVENT_NAMES]
    return [
        ("buildings", buildings),
        ("agents: team colors, states", agents),
        (f"events (fade in {FADE_TICKS} ticks)", events),
    ]


def build_legend(renderer, width: int) -> pygame.Surface:
    """The legend in two columns, `width` pixels wide."""
    sections = _items(renderer)
    col_w = (width - 16) // 2
    height = 26 + sum(20 + ROW * ((len(items) + 1) // 2) for _, items in sections)
    surf = pygame.Surface((width, height), pygame.SRCALPHA)
    surf.fill((18, 19, 25, 235))
    pygame.draw.rect(surf, (70, 72, 84), surf.get_rect(), 1)
    surf.blit(renderer.text("legend   (L: hide)", 20, HEAD), (8, 5))
    y = 26
    for title, items in sections:
        surf.blit(renderer.text(title, 18, (150, 152, 162)), (8, y + 2))
        y += 20
        for k, (pic, label) in enumerate(items):
            x = 8 + (k % 2) * col_w
            yy = y + (k // 2) * ROW
            surf.blit(pic, (x, yy + (ROW - pic.get_height()) // 2))
            surf.blit(renderer.text(label, 18), (x + max(pic.get_width(), T) + 6, yy + 4))
        y += ROW * ((len(items) + 1) // 2)
    return surf
