"""The side panel (the selected agent, the episode's stats, the legend) and the bottom bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygame

from game.state.kinship import kin_row
from game.tools.palette import group_color
from viewer.legend import build_legend
from viewer.render import BAD, CONTROL, DIM, GOOD, PANEL_BG, SELECT, TEXT


def panel_lines(s) -> list[tuple[str, tuple[int, int, int]]]:
    """The panel's text for session `s`, one (line, color) per row; read from the env every time."""
    env = s.env
    info = s.agent_info()
    out: list[tuple[str, Any]] = []
    title = {"play": "PLAY", "spectate": "SPECTATE", "replay": "REPLAY"}[s.mode]
    out.append((f"{title}  {Path(s.level_path).name}  seed {s.seed}", SELECT))
    pol = (
        "keyboard + " + getattr(s.policy, "name", "policy")
        if s.mode == "play"
        else getattr(s.policy, "name", "policy")
    )
    out.append(("actions: " + ("replay file" if s.replay is not None else pol), DIM))
    out.append(("", TEXT))
    gi = env.group_names.index(info["group"])
    tag = "  [you]" if info["controlled"] else ""
    out.append((f"agent {info['agent']}  ({info['group']}){tag}", group_color(info["group"], gi)))
    out.append((f"position {info['position'][0]},{info['position'][1]}  facing {info['orientation']}", TEXT))
    out.append((f"energy {info['energy']} / {info['max_energy']}", TEXT))
    out.append(
        (
            f"shield {'on' if info['shield'] else 'off'}   frozen {info['frozen']}   color {info['color']}",
            TEXT,
        )
    )
    out.append((f"reward so far {info['reward_so_far']:.3f}", TEXT))
    la = info["last_action"]
    if la is None:
        out.append(("last action: none yet", DIM))
    else:
        arg = info["last_action_arg"]
        ok = info["last_success"]
        out.append((f"last action: {la}({arg})  {'succeeded' if ok else 'failed'}", GOOD if ok else BAD))
    out.append(("inventory:", DIM))
    inv = [f"{k} {v}" for k, v in info["inventory"].items()]
    for j in range(0, len(inv), 3):
        out.append(("  " + "   ".join(inv[j : j + 3]), TEXT))
    out.append(("kinship row (K[i, j] > 0):", DIM))
    by: dict[float, list[int]] = {}
    for j, v in enumerate(info["kin_row"]):
        if j != info["agent"] and v != 0:
            by.setdefault(round(v, 3), []).append(j)
    if not by:
        out.append(("  no kin", TEXT))
    for v, js in sorted(by.items(), reverse=True)[:4]:
        shown = ",".join(map(str, js[:10])) + (f" +{len(js) - 10}" if len(js) > 10 else "")
        out.append((f"  {v:+.3f}: {shown}", TEXT))
    if info["bonds"]:
        out.append((f"  bonded to {', '.join(map(str, info['bonds']))}", (255, 120, 200)))
    out.append(("", TEXT))
    out.append(("episode stats (all agents)", SELECT))
    stats = [
        f"{k}: {v:.3f}" if k == "mean return" else f"{k}: {int(v)}" for k, v in s.episode_stats().items()
    ]
    for j in range(0, len(stats), 2):  # two a row: room for the legend below
        out.append(("  " + "    ".join(stats[j : j + 2]), TEXT))
    return out


class Panel:
    """The side panel, redrawn only when the tick, the selection or the size changes."""

    def __init__(self, renderer):
        self.renderer = renderer
        self.cache: tuple[Any, pygame.Surface, int] | None = None
        self.legend: tuple[Any, pygame.Surface] | None = None

    def invalidate(self) -> None:
        self.cache = self.legend = None

    def draw(self, screen: pygame.Surface, rect: pygame.Rect, s) -> int:
        """Blit the panel; returns the y (in `rect`) below its text."""
        key = (s.tick, s.selected, s.controlled, s.mode, rect.size, id(s))
        if self.cache is None or self.cache[0] != key:
            self.cache = (key, *self._render(rect, s))
        screen.blit(self.cache[1], rect.topleft)
        return self.cache[2]

    def legend_surface(self, width: int) -> pygame.Surface:
        key = (width, id(self.renderer.env))
        if self.legend is None or self.legend[0] != key:
            self.legend = (key, build_legend(self.renderer, width))
        return self.legend[1]

    def _render(self, rect: pygame.Rect, s) -> tuple[pygame.Surface, int]:
        R = self.renderer
        surf = pygame.Surface(rect.size)
        surf.fill(PANEL_BG)
        y = 10
        for line, col in panel_lines(s):
            if line:
                surf.blit(R.text(line, 20, col), (12, y))
            y += 19 if line else 8
        # kinship strip: one cell per agent, brightness = K
        kin = kin_row(s.env.world.resources, 0, s.selected)
        cw = max(1, min(12, (rect.width - 24) // max(len(kin), 1)))
        y += 6
        groups = s.env.world["agent"].group[0]
        for j, v in enumerate(kin.tolist()):
            g = int(groups[j])
            f = 0.25 + 0.75 * max(0.0, min(1.0, v))
            pygame.draw.rect(
                surf,
                tuple(int(x * f) for x in group_color(s.env.group_names[g], g)),
                (12 + j * cw, y, max(1, cw - 1), 10),
            )
            if j == s.selected:
                pygame.draw.rect(surf, CONTROL, (12 + j * cw, y + 11, max(1, cw - 1), 2))
        return surf, y + 20


def draw_bar(screen, bar: pygame.Rect, timeline: pygame.Rect, R, s, state: str) -> None:
    """Tick, episode tick, `state` (paused, speed...) and, in replay, the timeline."""
    screen.fill(PANEL_BG, bar)
    head = f"tick {s.tick}" + (f" / {s.length}" if s.length is not None else "")
    screen.blit(R.text(head, 26, TEXT), (bar.x + 10, bar.y + 6))
    episode = f"episode tick {s.episode_tick}/{s.env.level.max_steps}   {state}"
    screen.blit(R.text(episode, 20, DIM), (bar.x + 150, bar.y + 6))
    if s.replay is not None:
        L = max(1, s.length)
        pygame.draw.rect(screen, (60, 62, 72), timeline, border_radius=4)
        done = pygame.Rect(timeline.x, timeline.y, int(timeline.width * s.tick / L), timeline.height)
        pygame.draw.rect(screen, (90, 140, 220), done, border_radius=4)
        for t in s.snapshots:
            x = timeline.x + int(timeline.width * t / L)
            pygame.draw.line(screen, (160, 160, 170), (x, timeline.bottom), (x, timeline.bottom + 3))
        at = timeline.x + int(timeline.width * s.tick / L)
        pygame.draw.circle(screen, SELECT, (at, timeline.centery), 7)
    else:
        who = f"  driving agent {s.controlled}" if s.controlled is not None else "  (Enter: take over)"
        mode = s.mode + who
        screen.blit(R.text(mode + "   H: help   L: legend", 20, DIM), (bar.x + 150, bar.y + 26))
