"""Drawing the world: only the visible cells, from cached sprites (viewer.sprites).

- Terrain (indestructible walls) never changes: it is kept as a 1-pixel-per-cell surface, and
  each frame the visible part is scaled up to the tile size (one blit, whatever the map size).
- Buildings and agents are blits of sprites cached per tile size: buildings per (kind, ready),
  agents per (group, orientation); shield, frozen, marker color, selection are small overlays.
- Only entities inside the camera's rectangle are drawn (a numpy mask picks them).
- On top: the events of the last ticks (viewer.marks), the selected agent's inventory and, when
  the map does not fit, a minimap (viewer.minimap).
"""

from __future__ import annotations

import colorsys
import math
from typing import Any

import numpy as np
import pygame

from game.mechanics.combat import ATTACK_WIDTH
from game.rules.constants import TERRAIN_WALL
from game.tools.palette import building_color, group_color, resource_color
from viewer.events import front_cells
from viewer.marks import draw_events
from viewer.minimap import Minimap
from viewer.sprites import GLYPH, agent_sprite, building_sprite, frozen_sprite, shield_sprite

BG = (16, 17, 22)
FLOOR = ((42, 44, 52), (46, 48, 57))
WALL = (84, 86, 98)
PANEL_BG = (26, 27, 34)
TEXT = (225, 225, 230)
DIM = (150, 152, 162)
GOOD = (120, 220, 120)
BAD = (240, 110, 100)
SELECT = (255, 220, 60)
CONTROL = (255, 255, 255)
BOND = (255, 120, 200)


def marker_color(v: int) -> tuple[int, int, int]:
    """The agent's marker value 0..255 as a hue (0 = no marker)."""
    r, g, b = colorsys.hsv_to_rgb((v % 256) / 256.0, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def content_bounds(grid: np.ndarray) -> tuple[int, int, int, int]:
    """(r0, c0, r1, c1): the cells inside the outer wall plus one ring of it (the arena's wide
    border of solid wall is not worth the pixels it would take from the rooms)."""
    rr, cc = np.nonzero(grid != TERRAIN_WALL)
    if not len(rr):
        return 0, 0, grid.shape[0], grid.shape[1]
    return (
        max(0, int(rr.min()) - 1),
        max(0, int(cc.min()) - 1),
        min(grid.shape[0], int(rr.max()) + 2),
        min(grid.shape[1], int(cc.max()) + 2),
    )


class Camera:
    """Which cells are on screen: centre (in cells, floats), tile size in pixels, and the bounds
    (r0, c0, r1, c1) the camera keeps in view: the map's content (see content_bounds)."""

    def __init__(self, tile: int = 16):
        self.tile = tile
        self.cr = 0.0
        self.cc = 0.0
        self.follow = True
        self.bounds = (0, 0, 1, 1)

    def fit(self, bounds, view: pygame.Rect, lo: int = 4, hi: int = 48) -> None:
        """Zoom so that all of `bounds` shows in `view`, centred."""
        self.bounds = r0, c0, r1, c1 = bounds
        self.tile = int(max(lo, min(hi, view.width // max(c1 - c0, 1), view.height // max(r1 - r0, 1))))
        self.cr, self.cc = (r0 + r1) / 2, (c0 + c1) / 2

    def center_on(self, r: float, c: float, view: pygame.Rect) -> None:
        r0, c0, r1, c1 = self.bounds
        vr, vc = view.height / self.tile, view.width / self.tile
        self.cr = (r0 + r1) / 2 if vr >= r1 - r0 else min(max(r + 0.5, r0 + vr / 2), r1 - vr / 2)
        self.cc = (c0 + c1) / 2 if vc >= c1 - c0 else min(max(c + 0.5, c0 + vc / 2), c1 - vc / 2)

    def covers(self, view: pygame.Rect) -> bool:
        """Whether all of the bounds is on screen."""
        r0, c0, r1, c1 = self.bounds
        return view.height / self.tile >= r1 - r0 and view.width / self.tile >= c1 - c0

    def to_screen(self, r: float, c: float, view: pygame.Rect) -> tuple[float, float]:
        return (
            view.x + view.width / 2 + (c - self.cc) * self.tile,
            view.y + view.height / 2 + (r - self.cr) * self.tile,
        )

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
        self.b_colors = [building_color(n) for n in self.building_names]
        self.g_colors = [group_color(n, i) for i, n in enumerate(self.group_names)]
        self.r_colors = [resource_color(n) for n in env.resource_names]
        self.b_cooldown = np.maximum(tab.b_cooldown, 1)
        self.b_max_stock = tab.b_max_stock
        self.b_hp = tab.b_hp
        self.glyph = [GLYPH.get(n, n[:1].upper()) for n in self.building_names]
        kind = env.world["building"].kind[0, env.agents_per_world :]
        placed = set(kind[env.world.alive[0, env.agents_per_world :] & (kind >= 0)].tolist())
        self.placed_kinds = [n for k, n in enumerate(self.building_names) if k in placed]  # for the legend
        grid = env.world.resources.grid[0]
        self.rows, self.cols = grid.shape
        self.content = content_bounds(grid)
        rgb = np.empty((self.cols, self.rows, 3), np.uint8)  # surfarray is (x, y)
        checker = (np.add.outer(np.arange(self.cols), np.arange(self.rows)) % 2).astype(bool)
        rgb[...] = FLOOR[0]
        rgb[checker] = FLOOR[1]
        rgb[(grid == TERRAIN_WALL).T] = WALL
        self.terrain = pygame.surfarray.make_surface(rgb)
        self.minimap = Minimap(rgb, self.b_colors, self.g_colors)
        self.sprites: dict[tuple, pygame.Surface] = {}
        self.sprite_tile = -1
        self.minimap_rect: pygame.Rect | None = None  # where the last frame drew the minimap, if it did

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
        for k, name in enumerate(self.building_names):
            for ready in (True, False):
                self.sprites[("b", k, ready)] = building_sprite(name, self.glyph[k], ready, t, self.font)
        for g, col in enumerate(self.g_colors):
            for o in range(4):
                self.sprites[("a", g, o)] = agent_sprite(col, o, t)
        self.sprites["shield"] = shield_sprite(t)
        self.sprites["frozen"] = frozen_sprite(t)

    # ---- the world --------------------------------------------------------------------
    def draw_world(
        self,
        surf: pygame.Surface,
        view: pygame.Rect,
        cam: Camera,
        session,
        alpha: float = 1.0,
        overlay: dict[str, Any] | None = None,
    ) -> int:
        """Draw the visible part of the world into `view`; returns the number of entities drawn."""
        t = cam.tile
        self._sprites(t)
        surf.fill(BG, view)
        old_clip = surf.get_clip()
        surf.set_clip(view)
        vis = cam.visible(self.rows, self.cols, view)
        r0, c0, r1, c1 = vis
        if r1 > r0 and c1 > c0:
            sub = self.terrain.subsurface(pygame.Rect(c0, r0, c1 - c0, r1 - r0))
            x, y = cam.to_screen(r0, c0, view)
            surf.blit(pygame.transform.scale(sub, ((c1 - c0) * t, (r1 - r0) * t)), (round(x), round(y)))
        drawn = self._buildings(surf, view, cam, vis, session.A)
        self._bonds(surf, view, cam)
        ar, ac, n = self._agents(surf, view, cam, vis, session, alpha)
        drawn += n
        draw_events(surf, view, cam, session.events.recent(session.tick), self.text)
        for i, colr, w in ((session.selected, SELECT, 2), (session.controlled, CONTROL, 1)):
            if i is not None:
                x, y = cam.to_screen(float(ar[i]), float(ac[i]), view)
                pygame.draw.rect(surf, colr, (x - w, y - w, t + 2 * w, t + 2 * w), w + (1 if t >= 12 else 0))
        if overlay and overlay.get("targets") and session.controlled is not None:
            self._targets(surf, view, cam, session.controlled)
        i = session.selected
        self._inventory_label(surf, view, cam, i, float(ar[i]), float(ac[i]))
        self.minimap_rect = None if cam.covers(view) else self._minimap(surf, view, cam, session)
        surf.set_clip(old_clip)
        return drawn

    def _buildings(self, surf, view, cam, vis, A: int) -> int:
        r0, c0, r1, c1 = vis
        t = cam.tile
        world = self.env.world
        pr, pc = world["position"].r[0], world["position"].c[0]
        b = world["building"]
        alive = world.alive[0]
        rows = np.arange(A, alive.shape[0])
        bkind = b.kind[0, A:]
        idx = rows[alive[A:] & (bkind >= 0) & (pr[A:] >= r0) & (pr[A:] < r1) & (pc[A:] >= c0) & (pc[A:] < c1)]
        small = t >= 14
        kinds, cds, stocks, hps = b.kind[0, idx], b.cooldown[0, idx], b.stock[0, idx], b.hp[0, idx]
        for k, cd, st, hp, r, c in zip(
            kinds.tolist(), cds.tolist(), stocks.tolist(), hps.tolist(), pr[idx].tolist(), pc[idx].tolist()
        ):
            x, y = cam.to_screen(r, c, view)
            ready = cd == 0 and st != 0
            surf.blit(self.sprites[("b", k, ready)], (x, y))
            if cd > 0 and t >= 6:  # cooldown bar: the part still to wait
                frac = min(1.0, cd / self.b_cooldown[k])
                h = max(2, t // 8)
                pygame.draw.rect(surf, (255, 90, 60), (x + 1, y + t - h, max(1, int((t - 2) * frac)), h))
            if small and self.b_max_stock[k] >= 0:
                surf.blit(self.text(str(st), max(11, t // 2), (255, 255, 255)), (x + 2, y + 1))
            if self.b_hp[k] > 0 and 0 < hp < self.b_hp[k] and t >= 6:
                frac = hp / self.b_hp[k]
                pygame.draw.rect(
                    surf, (60, 220, 90), (x + 1, y, max(1, int((t - 2) * frac)), max(2, t // 10))
                )
        return len(idx)

    def _bonds(self, surf, view, cam) -> None:
        """Live kin bonds as lines between the pairs."""
        world = self.env.world
        pr, pc = world["position"].r[0], world["position"].c[0]
        bp, bu = world.resources.bond_partner[0], world.resources.bond_until[0]
        ii, kk = np.nonzero((bp >= 0) & (bu > world.resources.episode_tick[0]))
        for i, j in zip(ii.tolist(), bp[ii, kk].tolist()):
            if i < j:
                a = cam.to_screen(pr[i] + 0.5, pc[i] + 0.5, view)
                z = cam.to_screen(pr[j] + 0.5, pc[j] + 0.5, view)
                pygame.draw.line(surf, BOND, a, z, max(2, cam.tile // 8))

    def _agents(self, surf, view, cam, vis, session, alpha: float):
        """The agents, interpolated between the last two ticks when they moved one cell; returns
        their drawn rows and columns (floats) and how many were visible."""
        r0, c0, r1, c1 = vis
        t = cam.tile
        A = session.A
        world = self.env.world
        ar, ac = world["position"].r[0, :A].astype(np.float64), world["position"].c[0, :A].astype(np.float64)
        if alpha < 1.0:
            dr, dc = ar - session.prev_r, ac - session.prev_c
            step = (np.abs(dr) + np.abs(dc)) == 1
            ar = np.where(step, session.prev_r + dr * alpha, ar)
            ac = np.where(step, session.prev_c + dc * alpha, ac)
        idx = np.flatnonzero((ar > r0 - 1) & (ar < r1) & (ac > c0 - 1) & (ac < c1))
        ag = world["agent"]
        groups, orient, shield, frozen, color = (
            ag.group[0, idx].tolist(),
            ag.orientation[0, idx].tolist(),
            ag.shield[0, idx].tolist(),
            ag.frozen[0, idx].tolist(),
            ag.color[0, idx].tolist(),
        )
        sh, fz = self.sprites["shield"], self.sprites["frozen"]
        mrad = max(2, t // 7)
        rows, cols = ar[idx].tolist(), ac[idx].tolist()
        for g, o, s_, f_, col, r, c in zip(groups, orient, shield, frozen, color, rows, cols):
            x, y = cam.to_screen(r, c, view)
            surf.blit(self.sprites[("a", g, o)], (x, y))
            if col:  # the marker: a dot in the top-left corner, ringed so it shows on any group color
                pygame.draw.circle(surf, (15, 15, 20), (x + mrad + 1, y + mrad + 1), mrad + 1)
                pygame.draw.circle(surf, marker_color(col), (x + mrad + 1, y + mrad + 1), mrad)
            if s_:
                surf.blit(sh, (x, y))
            if f_ > 0:
                surf.blit(fz, (x, y))
                if t >= 14:
                    surf.blit(self.text(str(f_), max(11, t // 2), (20, 40, 90)), (x + t - t // 3, y))
        return ar, ac, len(idx)

    def inventory_parts(self, i: int) -> list[tuple[str, tuple[int, int, int]]]:
        """(text, color) of each resource agent i holds, or one "empty" part."""
        items = self.env.world["inventory"].items[0, i]
        held = np.flatnonzero(items > 0).tolist()
        names = self.env.resource_names
        return [(f"{names[k]} {int(items[k])}", self.r_colors[k]) for k in held] or [("empty", DIM)]

    def _inventory_label(self, surf, view, cam, i: int, r: float, c: float) -> pygame.Rect:
        """The selected agent's inventory in a box just above it (below it at the top edge)."""
        parts = [(self.text(s, 18, TEXT), col) for s, col in self.inventory_parts(i)]
        w = sum(p.get_width() + 16 for p, _ in parts) + 6
        x, y = cam.to_screen(r, c, view)
        box = pygame.Rect(0, 0, w, 20)
        box.midbottom = (x + cam.tile / 2, y - 4)
        if box.top < view.top:
            box.top = y + cam.tile + 4
        box.clamp_ip(view)
        pygame.draw.rect(surf, (12, 12, 16), box, border_radius=5)
        pygame.draw.rect(surf, SELECT, box, 1, border_radius=5)
        px = box.x + 5
        for p, col in parts:
            pygame.draw.rect(surf, col, (px, box.y + 6, 8, 8), border_radius=2)
            surf.blit(p, (px + 12, box.y + 4))
            px += p.get_width() + 16
        return box

    def _minimap(self, surf, view, cam, session) -> pygame.Rect:
        world, A = self.env.world, session.A
        pr, pc = world["position"].r[0], world["position"].c[0]
        kind = world["building"].kind[0, A:]
        live = world.alive[0, A:] & (kind >= 0)
        return self.minimap.draw(
            surf,
            view,
            cam,
            session.tick,
            (pr[A:][live], pc[A:][live], kind[live]),
            (pr[:A], pc[:A], world["agent"].group[0, :A]),
        )

    def _targets(self, surf, view, cam, i: int) -> None:
        """Attack targeting: the 3x3 block in front, numbered 1..9 (argument + 1)."""
        ag, pos = self.env.world["agent"], self.env.world["position"]
        arg = np.arange(9)
        rr, cc = front_cells(
            pos.r[0, i],
            pos.c[0, i],
            int(ag.orientation[0, i]),
            1 + arg // ATTACK_WIDTH,
            arg % ATTACK_WIDTH - 1,
        )
        t = cam.tile
        s = pygame.Surface((t, t), pygame.SRCALPHA)
        s.fill((255, 60, 60, 90))
        for k, r, c in zip(arg.tolist(), rr.tolist(), cc.tolist()):
            x, y = cam.to_screen(r, c, view)
            surf.blit(s, (x, y))
            pygame.draw.rect(surf, (255, 80, 80), (x, y, t, t), 1)
            surf.blit(self.text(str(k + 1), max(12, t // 2), (255, 255, 255)), (x + 2, y + 1))
