"""Drawing the world: only the visible cells, from cached sprites.

- Terrain (indestructible walls) never changes: it is kept as a 1-pixel-per-cell surface, and
  each frame the visible part is scaled up to the tile size (one blit, whatever the map size).
- Buildings and agents are blits of sprites cached per tile size: buildings per (kind, ready),
  agents per (group, orientation); shield, frozen, marker color, selection are small overlays.
- Only entities inside the camera's rectangle are drawn (a numpy mask picks them).
"""

from __future__ import annotations

import colorsys
import math
from typing import Any

import numpy as np
import pygame

BG = (16, 17, 22)
FLOOR = ((42, 44, 52), (46, 48, 57))
WALL = (104, 106, 118)
PANEL_BG = (26, 27, 34)
TEXT = (225, 225, 230)
DIM = (150, 152, 162)
GOOD = (120, 220, 120)
BAD = (240, 110, 100)
SELECT = (255, 220, 60)
CONTROL = (255, 255, 255)
SHIELD = (110, 200, 255)
ICE = (170, 230, 255)
BOND = (255, 120, 200)

NAMED = {
    "red": (225, 70, 70), "blue": (70, 120, 240), "green": (70, 200, 90), "yellow": (235, 205, 60),
    "purple": (170, 90, 220), "orange": (240, 150, 50), "cyan": (70, 210, 220), "pink": (240, 120, 190),
    "white": (230, 230, 230), "black": (60, 60, 60), "brown": (150, 100, 60), "grey": (150, 150, 150),
}
PALETTE = [(225, 70, 70), (70, 120, 240), (70, 200, 90), (235, 205, 60), (170, 90, 220), (240, 150, 50),
           (70, 210, 220), (240, 120, 190)]
BUILDING_COLORS = {
    "wall": (120, 122, 134), "block": (196, 164, 112), "mine": (150, 84, 40), "generator": (232, 186, 46),
    "charger": (60, 200, 235), "altar": (205, 70, 205), "armory": (130, 150, 175), "lasery": (235, 85, 60),
    "lab": (90, 205, 150), "factory": (170, 170, 70), "temple": (245, 235, 190),
}
GLYPH = {"mine": "M", "generator": "G", "charger": "C", "altar": "A", "armory": "R", "lasery": "L",
         "lab": "B", "factory": "F", "temple": "T", "wall": "", "block": ""}


def group_color(name: str, i: int) -> tuple[int, int, int]:
    return NAMED.get(name.lower(), PALETTE[i % len(PALETTE)])


def marker_color(v: int) -> tuple[int, int, int]:
    """The agent's marker value 0..255 as a hue (0 = no marker)."""
    r, g, b = colorsys.hsv_to_rgb((v % 256) / 256.0, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def _dim(c, f=0.45):
    return tuple(int(x * f) for x in c)


def _building_color(name: str, i: int):
    if name in BUILDING_COLORS:
        return BUILDING_COLORS[name]
    h = (hash(name) % 360) / 360.0
    r, g, b = colorsys.hsv_to_rgb(h, 0.5, 0.8)
    return int(r * 255), int(g * 255), int(b * 255)


class Camera:
    """Which cells are on screen: centre (in cells, floats) and tile size in pixels."""

    def __init__(self, tile: int = 16):
        self.tile = tile
        self.cr = 0.0
        self.cc = 0.0
        self.follow = True

    def fit(self, rows: int, cols: int, view: pygame.Rect, lo: int = 4, hi: int = 48) -> None:
        self.tile = int(max(lo, min(hi, view.width // max(cols, 1), view.height // max(rows, 1))))
        self.cr, self.cc = rows / 2, cols / 2

    def center_on(self, r: float, c: float, rows: int, cols: int, view: pygame.Rect) -> None:
        vr, vc = view.height / self.tile, view.width / self.tile
        self.cr = rows / 2 if vr >= rows else min(max(r + 0.5, vr / 2), rows - vr / 2)
        self.cc = cols / 2 if vc >= cols else min(max(c + 0.5, vc / 2), cols - vc / 2)

    def to_screen(self, r: float, c: float, view: pygame.Rect) -> tuple[float, float]:
        return (view.x + view.width / 2 + (c - self.cc) * self.tile, view.y + view.height / 2 + (r - self.cr) * self.tile)

    def to_cell(self, x: float, y: float, view: pygame.Rect) -> tuple[int, int]:
        c = (x - view.x - view.width / 2) / self.tile + self.cc
        r = (y - view.y - view.height / 2) / self.tile + self.cr
        return int(math.floor(r)), int(math.floor(c))

    def visible(self, rows: int, cols: int, view: pygame.Rect) -> tuple[int, int, int, int]:
        r0, c0 = self.to_cell(view.x, view.y, view)
        r1, c1 = self.to_cell(view.right - 1, view.bottom - 1, view)
        return max(r0, 0), max(c0, 0), min(r1 + 1, rows), min(c1 + 1, cols)


class Renderer:
    def __init__(self, env):
        self.fonts: dict[int, pygame.font.Font] = {}
        self.text_cache: dict[tuple, pygame.Surface] = {}
        self.bind(env)

    def bind(self, env) -> None:
        """(Re)read the level: names, colors, terrain. Called again after a level reload."""
        self.env = env
        tab = env.tables
        self.building_names = list(tab.building_names)
        self.group_names = list(env.group_names)
        self.b_colors = [_building_color(n, i) for i, n in enumerate(self.building_names)]
        self.g_colors = [group_color(n, i) for i, n in enumerate(self.group_names)]
        self.b_cooldown = np.maximum(tab.b_cooldown, 1)
        self.b_max_stock = tab.b_max_stock
        self.b_hp = tab.b_hp
        self.glyph = [GLYPH.get(n, n[:1].upper()) for n in self.building_names]
        grid = env.world.resources.grid[0]
        self.rows, self.cols = grid.shape
        from game.constants import TERRAIN_WALL

        rgb = np.empty((self.cols, self.rows, 3), np.uint8)  # surfarray is (x, y)
        checker = (np.add.outer(np.arange(self.cols), np.arange(self.rows)) % 2).astype(bool)
        rgb[...] = FLOOR[0]
        rgb[checker] = FLOOR[1]
        rgb[(grid == TERRAIN_WALL).T] = WALL
        self.terrain = pygame.surfarray.make_surface(rgb)
        self.sprites: dict[tuple, pygame.Surface] = {}
        self.sprite_tile = -1

    # ---- text -------------------------------------------------------------------------
    def font(self, size: int) -> pygame.font.Font:
        f = self.fonts.get(size)
        if f is None:
            f = self.fonts[size] = pygame.font.Font(None, size)
        return f

    def text(self, s: str, size: int = 20, color=TEXT) -> pygame.Surface:
        key = (s, size, color)
        surf = self.text_cache.get(key)
        if surf is None:
            if len(self.text_cache) > 4000:
                self.text_cache.clear()
            surf = self.text_cache[key] = self.font(size).render(s, True, color)
        return surf

    # ---- sprites ----------------------------------------------------------------------
    def _sprites(self, t: int) -> None:
        if self.sprite_tile == t:
            return
        self.sprites.clear()
        self.sprite_tile = t
        pad = max(1, t // 10)
        for k, name in enumerate(self.building_names):
            for ready in (True, False):
                s = pygame.Surface((t, t), pygame.SRCALPHA)
                col = self.b_colors[k] if ready else _dim(self.b_colors[k], 0.5)
                rect = pygame.Rect(pad, pad, t - 2 * pad, t - 2 * pad)
                if name == "wall":
                    pygame.draw.rect(s, col, pygame.Rect(0, 0, t, t))
                    if t >= 8:
                        for y in range(0, t, max(t // 3, 2)):
                            pygame.draw.line(s, _dim(col, 0.7), (0, y), (t, y))
                elif name == "block":
                    pygame.draw.rect(s, col, rect, border_radius=max(1, t // 8))
                    pygame.draw.line(s, _dim(col, 0.6), rect.topleft, rect.bottomright, max(1, t // 10))
                    pygame.draw.line(s, _dim(col, 0.6), rect.topright, rect.bottomleft, max(1, t // 10))
                else:
                    pygame.draw.rect(s, col, rect, border_radius=max(1, t // 5))
                    pygame.draw.rect(s, (255, 255, 255) if ready else (70, 70, 70), rect, max(1, t // 14),
                                     border_radius=max(1, t // 5))
                    g = self.glyph[k]
                    if g and t >= 10:
                        txt = self.font(max(10, int(t * 0.75))).render(g, True, (20, 20, 20) if ready else (110, 110, 110))
                        s.blit(txt, txt.get_rect(center=(t / 2, t / 2 + 1)))
                self.sprites[("b", k, ready)] = s
        for g, col in enumerate(self.g_colors):
            for o in range(4):
                s = pygame.Surface((t, t), pygame.SRCALPHA)
                rad = t * 0.38
                cx = cy = t / 2
                pygame.draw.circle(s, col, (cx, cy), rad)
                pygame.draw.circle(s, _dim(col, 0.5), (cx, cy), rad, max(1, t // 14))
                dr, dc = ((-1, 0), (1, 0), (0, -1), (0, 1))[o]
                tip = (cx + dc * t * 0.44, cy + dr * t * 0.44)
                side = (dr * t * 0.2, -dc * t * 0.2)
                base = (cx + dc * t * 0.02, cy + dr * t * 0.02)
                tri = [tip, (base[0] + side[0], base[1] + side[1]), (base[0] - side[0], base[1] - side[1])]
                pygame.draw.polygon(s, (250, 250, 250), tri)
                if t >= 10:
                    pygame.draw.polygon(s, (30, 30, 30), tri, 1)
                self.sprites[("a", g, o)] = s
        s = pygame.Surface((t, t), pygame.SRCALPHA)
        pygame.draw.circle(s, SHIELD, (t / 2, t / 2), t * 0.47, max(1, t // 12))
        self.sprites["shield"] = s
        s = pygame.Surface((t, t), pygame.SRCALPHA)
        s.fill((*ICE, 110))
        w = max(1, t // 12)
        for a in range(3):
            ang = a * math.pi / 3
            dx, dy = math.cos(ang) * t * 0.42, math.sin(ang) * t * 0.42
            pygame.draw.line(s, (255, 255, 255), (t / 2 - dx, t / 2 - dy), (t / 2 + dx, t / 2 + dy), w)
        self.sprites["frozen"] = s

    # ---- the world --------------------------------------------------------------------
    def draw_world(self, surf: pygame.Surface, view: pygame.Rect, cam: Camera, session, alpha: float = 1.0,
                   overlay: dict[str, Any] | None = None) -> int:
        """Draw the visible part of the world into `view`; returns the number of entities drawn."""
        env = self.env
        t = cam.tile
        self._sprites(t)
        surf.fill(BG, view)
        old_clip = surf.get_clip()
        surf.set_clip(view)
        r0, c0, r1, c1 = cam.visible(self.rows, self.cols, view)
        drawn = 0
        if r1 > r0 and c1 > c0:
            sub = self.terrain.subsurface(pygame.Rect(c0, r0, c1 - c0, r1 - r0))
            x, y = cam.to_screen(r0, c0, view)
            surf.blit(pygame.transform.scale(sub, ((c1 - c0) * t, (r1 - r0) * t)), (round(x), round(y)))
        world = env.world
        A = session.A
        pos = world["position"]
        pr, pc = pos.r[0], pos.c[0]
        b = world["building"]
        alive = world.alive[0]
        # buildings
        rows = np.arange(A, alive.shape[0])
        bkind = b.kind[0, A:]
        vis = alive[A:] & (bkind >= 0) & (pr[A:] >= r0) & (pr[A:] < r1) & (pc[A:] >= c0) & (pc[A:] < c1)
        idx = rows[vis]
        small = t >= 14
        if len(idx):
            kinds, cds, stocks, hps = b.kind[0, idx], b.cooldown[0, idx], b.stock[0, idx], b.hp[0, idx]
            rr, cc = pr[idx], pc[idx]
            for k, cd, st, hp, r, c in zip(kinds.tolist(), cds.tolist(), stocks.tolist(), hps.tolist(), rr.tolist(), cc.tolist()):
                x, y = cam.to_screen(r, c, view)
                ready = cd == 0 and st != 0
                surf.blit(self.sprites[("b", k, ready)], (x, y))
                if cd > 0 and t >= 6:  # cooldown bar: the part still to wait
                    frac = min(1.0, cd / self.b_cooldown[k])
                    pygame.draw.rect(surf, (255, 90, 60), (x + 1, y + t - max(2, t // 8), max(1, int((t - 2) * frac)), max(2, t // 8)))
                if small and self.b_max_stock[k] >= 0:
                    surf.blit(self.text(str(st), max(11, t // 2), (255, 255, 255)), (x + 2, y + 1))
                if self.b_hp[k] > 0 and 0 < hp < self.b_hp[k] and t >= 6:
                    frac = hp / self.b_hp[k]
                    pygame.draw.rect(surf, (60, 220, 90), (x + 1, y, max(1, int((t - 2) * frac)), max(2, t // 10)))
            drawn += len(idx)
        # kin bonds
        bp, bu = world.resources.bond_partner[0], world.resources.bond_until[0]
        et = world.resources.episode_tick[0]
        live = (bp >= 0) & (bu > et)
        if live.any():
            ii, kk = np.nonzero(live)
            for i, j in zip(ii.tolist(), bp[ii, kk].tolist()):
                if i < j:
                    a = cam.to_screen(pr[i] + 0.5, pc[i] + 0.5, view)
                    z = cam.to_screen(pr[j] + 0.5, pc[j] + 0.5, view)
                    pygame.draw.line(surf, BOND, a, z, max(2, t // 8))
        # agents (interpolated between the last two ticks when they moved one cell)
        ar, ac = pr[:A].astype(np.float64), pc[:A].astype(np.float64)
        if alpha < 1.0:
            dr, dc = ar - session.prev_r, ac - session.prev_c
            step = (np.abs(dr) + np.abs(dc)) == 1
            ar = np.where(step, session.prev_r + dr * alpha, ar)
            ac = np.where(step, session.prev_c + dc * alpha, ac)
        vis = (ar > r0 - 1) & (ar < r1) & (ac > c0 - 1) & (ac < c1)
        idx = np.flatnonzero(vis)
        ag = world["agent"]
        groups, orient, shield, frozen, color = (ag.group[0, idx].tolist(), ag.orientation[0, idx].tolist(),
                                                 ag.shield[0, idx].tolist(), ag.frozen[0, idx].tolist(), ag.color[0, idx].tolist())
        sh, fz = self.sprites["shield"], self.sprites["frozen"]
        mrad = max(2, t // 7)
        for i, g, o, s_, f_, col, r, c in zip(idx.tolist(), groups, orient, shield, frozen, color,
                                                ar[idx].tolist(), ac[idx].tolist()):
            x, y = cam.to_screen(r, c, view)
            surf.blit(self.sprites[("a", g, o)], (x, y))
            if col:  # the marker: a dot in the top-left corner, ringed so it shows on any group color
                pygame.draw.circle(surf, (15, 15, 20), (x + mrad + 1, y + mrad + 1), mrad + 1)
                pygame.draw.circle(surf, marker_color(col), (x + mrad + 1, y + mrad + 1), mrad)
            if s_:
                surf.blit(sh, (x, y))
            if f_ > 0:
                surf.blit(fz, (x, y))
                if small:
                    surf.blit(self.text(str(f_), max(11, t // 2), (20, 40, 90)), (x + t - t // 3, y))
        drawn += len(idx)
        # selection and control
        for i, colr, w in ((session.selected, SELECT, 2), (session.controlled, CONTROL, 1)):
            if i is None:
                continue
            x, y = cam.to_screen(float(ar[i]), float(ac[i]), view)
            pygame.draw.rect(surf, colr, (x - w, y - w, t + 2 * w, t + 2 * w), w + (1 if t >= 12 else 0))
        if overlay and overlay.get("targets") and session.controlled is not None:
            self._targets(surf, view, cam, session.controlled, overlay["targets"])
        surf.set_clip(old_clip)
        return drawn

    def _targets(self, surf, view, cam, i, what: str) -> None:
        """Attack targeting: the 3x3 block in front, numbered 1..9 (argument + 1)."""
        ag, pos = self.env.world["agent"], self.env.world["position"]
        o = int(ag.orientation[0, i])
        fr, fc = ((-1, 0), (1, 0), (0, -1), (0, 1))[o]
        rr, rc = ((0, 1), (0, -1), (-1, 0), (1, 0))[o]  # "right" of facing
        t = cam.tile
        for arg in range(9):
            dist, side = 1 + arg // 3, arg % 3 - 1
            r = int(pos.r[0, i]) + fr * dist + rr * side
            c = int(pos.c[0, i]) + fc * dist + rc * side
            x, y = cam.to_screen(r, c, view)
            s = pygame.Surface((t, t), pygame.SRCALPHA)
            s.fill((255, 60, 60, 90))
            surf.blit(s, (x, y))
            pygame.draw.rect(surf, (255, 80, 80), (x, y, t, t), 1)
            surf.blit(self.text(str(arg + 1), max(12, t // 2), (255, 255, 255)), (x + 2, y + 1))
