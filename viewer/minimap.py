"""The minimap: the whole map in a corner when the camera shows only part of it.

One pixel per cell (terrain, then buildings, then agents written into a numpy copy of the
terrain image, no loop over entities) scaled up by a whole factor, with the camera's rectangle.
A tick (a replay seek too) changes the session's tick, which is what the image is cached by.
"""

from __future__ import annotations

import numpy as np
import pygame

SIZE = 180  # pixels on the long side, at most


class Minimap:
    def __init__(self, terrain_rgb: np.ndarray, building_colors, group_colors):
        self.terrain = terrain_rgb  # (cols, rows, 3): surfarray's (x, y) order
        self.b_colors = np.array(building_colors, np.uint8).reshape(-1, 3)
        self.g_colors = np.array(group_colors, np.uint8).reshape(-1, 3)
        self.cache: tuple | None = None  # ((tick, bounds), the scaled image)

    def draw(self, surf: pygame.Surface, view: pygame.Rect, cam, tick: int, buildings, agents) -> pygame.Rect:
        """buildings: (r, c, kind) arrays of the live ones; agents: (r, c, group) arrays. The image
        is rebuilt once per tick (and camera bounds), not per frame."""
        r0, c0, r1, c1 = cam.bounds
        k = max(1, SIZE // max(r1 - r0, c1 - c0))
        if self.cache is None or self.cache[0] != (tick, cam.bounds):
            img = self.terrain[c0:c1, r0:r1].copy()
            for (r, c, v), colors, f in ((buildings, self.b_colors, 2), (agents, self.g_colors, 1)):
                inside = (r >= r0) & (r < r1) & (c >= c0) & (c < c1)
                # buildings dimmed: agents stand out
                img[c[inside] - c0, r[inside] - r0] = colors[v[inside]] // f
            small = pygame.surfarray.make_surface(img)
            self.cache = ((tick, cam.bounds), pygame.transform.scale(small, ((c1 - c0) * k, (r1 - r0) * k)))
        box = self.cache[1].get_rect(topright=(view.right - 10, view.y + 10))
        pygame.draw.rect(surf, (10, 10, 14), box.inflate(6, 6))
        surf.blit(self.cache[1], box)
        vr0, vc0 = cam.to_cell(view.x, view.y, view)
        vr1, vc1 = cam.to_cell(view.right, view.bottom, view)
        seen = pygame.Rect(box.x + (vc0 - c0) * k, box.y + (vr0 - r0) * k, (vc1 - vc0) * k, (vr1 - vr0) * k)
        pygame.draw.rect(surf, (255, 255, 255), seen.clip(box), 1)
        return box
