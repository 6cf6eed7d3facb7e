"""What the app draws over the map: the key help, an error box, a one-line banner."""

from __future__ import annotations

import pygame

from viewer.render import SELECT

# (keys, what) for the help overlay and docs/viewer.md
HELP = [
    ("arrows", "face that way; if already facing it, move forward"),
    ("shift+arrows", "rotate only"),
    ("B", "move backward"),
    ("E / U", "use the building in front"),
    ("A then 1-9", "attack a cell of the 3x3 block in front (A A: straight ahead)"),
    ("S", "toggle shield"),
    ("T then 1-n", "transfer one unit of resource n to the agent in front (T T: first)"),
    ("X", "swap with the frozen agent / block in front"),
    ("C then 1-4", "marker color +1, -1, x2, /2 (C C: +1)"),
    ("M", "mate: propose a bond to the agent in front"),
    ("N", "noop (pass a turn)"),
    ("Tab / shift+Tab", "next / previous agent (play: take control of it)"),
    ("click", "select the agent under the mouse"),
    ("Enter", "take over the selected agent / give it back (spectate)"),
    ("Space", "pause / resume"),
    (".", "single step one tick"),
    ("+ / -", "faster / slower (ticks per second)"),
    ("R", "play: turn-based <-> real time"),
    ("F", "camera follows the selected agent on/off"),
    ("[ / ] / wheel", "zoom out / in"),
    ("Z", "zoom to fit the whole map"),
    ("L", "legend on/off (buildings, team colors, agent and event marks)"),
    ("left / right", "replay: one tick back / forward"),
    ("PgUp / PgDn", "replay: 50 ticks back / forward"),
    ("Home / End", "replay: start / end; click or drag the timeline to scrub"),
    ("F12", "save a screenshot (viewer-<time>.png)"),
    ("H / F1", "this help"),
    ("Esc / Q", "cancel a pending choice / quit"),
]


def banner(screen, renderer, view: pygame.Rect, text: str, bg) -> None:
    """One line at the bottom of the map view (a pending choice, a short message)."""
    surf = renderer.text(text, 22)
    r = pygame.Rect(view.x + 8, view.bottom - 34, min(view.width - 16, surf.get_width() + 16), 28)
    pygame.draw.rect(screen, bg, r, border_radius=6)
    screen.blit(surf, (r.x + 8, r.y + 6))


def error_box(screen, renderer, view: pygame.Rect, error: str) -> None:
    """The error (a level that no longer loads...) word-wrapped in a red box over the map."""
    lines = []
    width = max(20, (view.width - 40) // 9)
    for para in error.splitlines():
        while len(para) > width:
            cut = para.rfind(" ", 0, width)
            cut = cut if cut > 0 else width
            lines.append(para[:cut])
            para = para[cut:].lstrip()
        lines.append(para)
    h = 16 + 22 * len(lines)
    r = pygame.Rect(view.x + 10, view.y + 10, view.width - 20, h)
    pygame.draw.rect(screen, (90, 20, 20), r, border_radius=6)
    pygame.draw.rect(screen, (255, 90, 90), r, 2, border_radius=6)
    for i, line in enumerate(lines):
        screen.blit(renderer.text(line, 22, (255, 230, 230)), (r.x + 10, r.y + 8 + 22 * i))


def help_box(screen, renderer, view: pygame.Rect) -> None:
    """The keys (HELP) on a dark overlay over the map."""
    r = view.inflate(-40, -40)
    ov = pygame.Surface(r.size, pygame.SRCALPHA)
    ov.fill((10, 10, 16, 225))
    screen.blit(ov, r.topleft)
    y = r.y + 12
    screen.blit(renderer.text("keys", 26, SELECT), (r.x + 14, y))
    y += 30
    for k, what in HELP:
        screen.blit(renderer.text(k, 20, SELECT), (r.x + 14, y))
        screen.blit(renderer.text(what, 20), (r.x + 170, y))
        y += 20
