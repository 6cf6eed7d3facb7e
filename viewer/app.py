"""The pygame app: keyboard, real-time ticking, camera, side panel, timeline, level watching.

Time: the simulation advances in whole ticks at `speed` ticks per second, independently of the
frame rate (an accumulator, as in Godot's fixed physics step). Between two ticks agents are
drawn interpolated, so motion stays smooth at low tick rates. In play the world waits for the
keyboard by default (turn-based: each action key is one tick); `R` switches to real time.
In screenshot mode every frame without a key is exactly one tick (in play too: the driven agent
noops), so `--frames N` shows tick N; a frame that feeds a `--keys` key runs only what the key does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pygame

from viewer import overlays
from viewer.panel import Panel, draw_bar
from viewer.render import Camera, Renderer

PANEL_W = 330
BAR_H = 46
SPEEDS = (0.5, 1, 2, 4, 8, 15, 30, 60, 120, 240, 480)

ARROWS = {pygame.K_UP: 0, pygame.K_DOWN: 1, pygame.K_LEFT: 2, pygame.K_RIGHT: 3}
DIGITS = {getattr(pygame, f"K_{d}"): d for d in range(1, 10)}
DIGITS.update({getattr(pygame, f"K_KP{d}"): d for d in range(1, 10)})


class App:
    def __init__(
        self,
        session,
        *,
        size=(1280, 800),
        screenshot: str | None = None,
        frames: int = 0,
        watch: bool = False,
        record: str | None = None,
        make_session: Callable | None = None,
        keys: list[str] | None = None,
        speed: float | None = None,
        title: str = "viewer",
        fps_cap: int = 60,
        turn_based: bool | None = None,
    ):
        self.session = session
        self.screenshot, self.frames = screenshot, int(frames)
        self.watch, self.record, self.make_session = watch, record, make_session
        self.fps_cap = fps_cap
        self.script = [k for k in (keys or []) if k]
        flags = pygame.RESIZABLE if not screenshot else 0
        self.screen = pygame.display.set_mode(size, flags)
        pygame.display.set_caption(title)
        self.clock = pygame.time.Clock()
        self.renderer = Renderer(session.env)
        self.cam = Camera()
        self.panel_view = Panel(self.renderer)
        self.layout()
        self.cam.fit(self.renderer.content, self.view)
        self.legend = True
        self.speed = speed or (8 if session.mode != "replay" else 15)
        self.turn_based = (session.mode == "play") if turn_based is None else turn_based
        self.paused = False
        self.acc = 0.0
        self.last_step = time.perf_counter()
        self.choice: str | None = None  # "attack" | "transfer" | "color": waiting for a digit
        self.help = False
        self.error: str | None = None
        self.message: tuple[str, float] | None = None
        self.running = True
        self.frame = 0
        self.fps = 0.0
        self.dragging = False
        self._watch_mtime = self._mtime()
        self._watch_next = 0.0

    # ---- layout -----------------------------------------------------------------------
    def layout(self) -> None:
        w, h = self.screen.get_size()
        pw = PANEL_W if w >= 760 else max(200, w // 3)
        self.view = pygame.Rect(0, 0, w - pw, h - BAR_H)
        self.panel = pygame.Rect(w - pw, 0, pw, h)
        self.bar = pygame.Rect(0, h - BAR_H, w - pw, BAR_H)
        self.timeline = pygame.Rect(self.bar.x + 150, self.bar.y + 26, self.bar.width - 170, 12)

    def say(self, s: str, secs: float = 3.0) -> None:
        self.message = (s, time.perf_counter() + secs)

    # ---- keyboard -----------------------------------------------------------------------
    def act(self, action: str, arg: int = 0) -> None:
        """Queue an action for the controlled agent (turn-based play: run the tick now)."""
        s = self.session
        if s.controlled is None:
            self.say("no agent under your control: select one and press Enter")
            return
        if not s.has_action(action):
            self.say(f"this level has no '{action}' action")
            return
        s.queue(action, arg)
        if self.turn_based and s.mode == "play":
            self.advance(1)

    def handle_event(self, ev) -> None:
        if ev.type == pygame.QUIT:
            self.running = False
        elif ev.type == pygame.VIDEORESIZE:
            if not self.screenshot:
                self.screen = pygame.display.set_mode((max(ev.w, 480), max(ev.h, 320)), pygame.RESIZABLE)
            self.layout()
        elif ev.type == pygame.KEYDOWN:
            self.key(ev.key, ev.mod)
        elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1:
            if self.session.replay is not None and self.timeline.inflate(16, 16).collidepoint(ev.pos):
                self.dragging = True
                self.scrub(ev.pos[0])
            elif self.view.collidepoint(ev.pos):
                self.click(*ev.pos)
        elif ev.type == pygame.MOUSEBUTTONUP and ev.button == 1:
            self.dragging = False
        elif ev.type == pygame.MOUSEMOTION and self.dragging:
            self.scrub(ev.pos[0])
        elif ev.type == pygame.MOUSEWHEEL:
            self.zoom(1.25 if ev.y > 0 else 0.8)

    def key(self, k: int, mod: int = 0) -> None:
        s = self.session
        shift = bool(mod & pygame.KMOD_SHIFT)
        if self.choice is not None:
            self._choose(k)
            return
        replay = s.mode == "replay"
        if k in (pygame.K_ESCAPE, pygame.K_q):
            if self.help:
                self.help = False
            else:
                self.running = False
        elif k in (pygame.K_h, pygame.K_F1):
            self.help = not self.help
        elif k == pygame.K_SPACE:
            self.paused = not self.paused
        elif k == pygame.K_PERIOD:
            self.paused = True
            self.advance(1)
        elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.set_speed(+1)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.set_speed(-1)
        elif k == pygame.K_f:
            self.cam.follow = not self.cam.follow
        elif k == pygame.K_l:
            self.legend = not self.legend
        elif k == pygame.K_z:
            self.cam.fit(self.renderer.content, self.view)
        elif k == pygame.K_LEFTBRACKET:
            self.zoom(0.8)
        elif k == pygame.K_RIGHTBRACKET:
            self.zoom(1.25)
        elif k == pygame.K_F12:
            p = f"viewer-{time.strftime('%Y%m%d-%H%M%S')}.png"
            pygame.image.save(self.screen, p)
            self.say(f"saved {p}")
        elif k == pygame.K_TAB:
            s.cycle(-1 if shift else 1)
        elif k in (pygame.K_RETURN, pygame.K_KP_ENTER):
            if not replay:
                s.take_over()
                self.say(
                    f"you drive agent {s.controlled}"
                    if s.controlled is not None
                    else "agent given back to the policy"
                )
        elif replay and k in (
            pygame.K_LEFT,
            pygame.K_RIGHT,
            pygame.K_PAGEUP,
            pygame.K_PAGEDOWN,
            pygame.K_HOME,
            pygame.K_END,
        ):
            d = {pygame.K_LEFT: -1, pygame.K_RIGHT: 1, pygame.K_PAGEUP: -50, pygame.K_PAGEDOWN: 50}
            target = 0 if k == pygame.K_HOME else s.length if k == pygame.K_END else s.tick + d[k]
            self.paused = True
            s.seek(target)
        elif replay:
            return
        elif k == pygame.K_r and s.mode == "play":
            self.turn_based = not self.turn_based
            self.say("turn-based: each action key is one tick" if self.turn_based else "real time")
        elif k in ARROWS:
            o = ARROWS[k]
            if (
                s.controlled is not None
                and not shift
                and int(s.env.world["agent"].orientation[0, s.controlled]) == o
            ):
                self.act("move", 0)
            else:
                self.act("rotate", o)
        elif k == pygame.K_b:
            self.act("move", 1)
        elif k in (pygame.K_e, pygame.K_u):
            self.act("use")
        elif k == pygame.K_s:
            self.act("shield")
        elif k == pygame.K_x:
            self.act("swap")
        elif k == pygame.K_m:
            self.act("mate")
        elif k == pygame.K_n:
            self.act("noop")
        elif k in (pygame.K_a, pygame.K_t, pygame.K_c):
            if s.controlled is None:
                self.act("noop")  # says why nothing happens
                return
            self.choice = {pygame.K_a: "attack", pygame.K_t: "transfer", pygame.K_c: "color"}[k]

    def _choose(self, k: int) -> None:
        what, self.choice = self.choice, None
        if k == pygame.K_ESCAPE:
            return
        again = {"attack": pygame.K_a, "transfer": pygame.K_t, "color": pygame.K_c}[what]
        n = {"attack": 9, "transfer": len(self.session.env.resource_names), "color": 4}[what]
        if k == again or k in (pygame.K_RETURN, pygame.K_KP_ENTER):
            arg = 1 if what == "attack" else 0
        elif k in DIGITS and DIGITS[k] <= n:
            arg = DIGITS[k] - 1
        else:
            self.say(f"{what}: press 1-{n} (Esc cancels)")
            self.choice = what
            return
        self.act(what, arg)

    def click(self, x: int, y: int) -> None:
        r, c = self.cam.to_cell(x, y, self.view)
        pos = self.session.env.world["position"]
        A = self.session.A
        hit = np.flatnonzero((pos.r[0, :A] == r) & (pos.c[0, :A] == c))
        if len(hit):
            self.session.select(int(hit[0]))

    def zoom(self, f: float) -> None:
        t = self.cam.tile
        new = max(t + 1, round(t * f)) if f > 1 else min(t - 1, int(t * f))
        self.cam.tile = max(3, min(96, new))

    def set_speed(self, d: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda j: abs(SPEEDS[j] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + d))]
        self.say(f"{self.speed:g} ticks per second")

    def scrub(self, x: int) -> None:
        s = self.session
        f = (x - self.timeline.x) / max(1, self.timeline.width - 1)
        self.paused = True
        s.seek(round(max(0.0, min(1.0, f)) * s.length))

    # ---- time -------------------------------------------------------------------------
    def advance(self, n: int) -> None:
        for _ in range(n):
            if not self.session.step():
                self.paused = True
                break
            self.last_step = time.perf_counter()

    def update(self, dt: float) -> None:
        s = self.session
        if self.watch:
            self.poll_watch()
        if self.screenshot:  # a key per frame first (an action key in play is its tick), then a tick a frame
            if self.script:
                name = self.script.pop(0)
                mod = pygame.KMOD_SHIFT if name.startswith("shift+") else 0
                self.key(pygame.key.key_code(name.removeprefix("shift+")), mod)
            elif not self.paused:
                self.advance(1)  # in play the driven agent noops
            return
        if self.paused or (self.turn_based and s.mode == "play"):
            self.acc = 0.0
            return
        self.acc += dt * self.speed
        n = int(self.acc + 1e-9)  # float sums of dt * speed fall just short of whole ticks
        self.acc = max(0.0, self.acc - n)
        if n > 240:  # the simulation cannot keep up: drop time rather than spiral
            n, self.acc = 240, 0.0
        if n:
            self.advance(n)

    # ---- level watching ---------------------------------------------------------------
    def _mtime(self) -> float | None:
        p = self.session.level_path
        try:
            return os.stat(p).st_mtime_ns if p and Path(p).is_file() else None
        except OSError:
            return None

    def poll_watch(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now < self._watch_next:
            return
        self._watch_next = now + 0.5
        m = self._mtime()
        if m is None or (m == self._watch_mtime and not force):
            return
        self._watch_mtime = m
        self.reload()

    def reload(self) -> None:
        old = self.session
        try:
            new = self.make_session(old)
        except Exception as e:  # any invalid edit: show it, keep the last good level
            msg = str(e).strip() or type(e).__name__
            self.error = f"{Path(old.level_path).name} not reloaded, keeping the last good level:\n{msg}"
            return
        if self.record and old.log:
            old.save(self.record)
        self.error = None
        self.session = new
        self.renderer.bind(new.env)
        self.panel_view.invalidate()
        self.cam.fit(self.renderer.content, self.view)
        self.say(f"reloaded {Path(old.level_path).name}")

    # ---- drawing ----------------------------------------------------------------------
    def alpha(self) -> float:
        if self.screenshot:
            return 1.0
        return min(1.0, (time.perf_counter() - self.last_step) * self.speed) if self.speed <= 30 else 1.0

    def draw(self) -> None:
        s = self.session
        scr = self.screen
        a = self.alpha()
        if self.cam.follow:
            i = s.selected
            pos = s.env.world["position"]
            r, c = float(pos.r[0, i]), float(pos.c[0, i])
            if a < 1.0 and abs(r - s.prev_r[i]) + abs(c - s.prev_c[i]) == 1:
                r, c = s.prev_r[i] + (r - s.prev_r[i]) * a, s.prev_c[i] + (c - s.prev_c[i]) * a
            self.cam.center_on(r, c, self.view)
        else:
            self.cam.center_on(self.cam.cr - 0.5, self.cam.cc - 0.5, self.view)
        self.renderer.draw_world(scr, self.view, self.cam, s, a, {"targets": self.choice == "attack"})
        self.draw_bar()
        below = self.panel_view.draw(scr, self.panel, s)
        if self.legend:
            self.draw_legend(below)
        if self.help:
            self.draw_help()
        if self.error:
            self.draw_error()
        if self.choice:
            n = len(s.env.resource_names)
            hint = {
                "attack": "attack: 1-9 picks a cell of the 3x3 block in front (A again: straight ahead)",
                "transfer": "transfer: "
                + "  ".join(f"{i + 1} {r}" for i, r in enumerate(s.env.resource_names[:n])),
                "color": "color: 1 +1   2 -1   3 x2   4 /2",
            }[self.choice]
            self.banner(hint, (60, 40, 20))
        elif self.message and time.perf_counter() < self.message[1]:
            self.banner(self.message[0], (30, 50, 80))

    def banner(self, text: str, bg) -> None:
        overlays.banner(self.screen, self.renderer, self.view, text, bg)

    def draw_error(self) -> None:
        overlays.error_box(self.screen, self.renderer, self.view, self.error)

    def draw_help(self) -> None:
        overlays.help_box(self.screen, self.renderer, self.view)

    def draw_bar(self) -> None:
        s = self.session
        state = (
            "paused"
            if self.paused
            else ("waiting for your key" if self.turn_based and s.mode == "play" else f"{self.speed:g} t/s")
        )
        if s.finished:
            state = "end of replay"
        fps = "" if self.screenshot else f"   {self.fps:4.0f} fps"
        draw_bar(self.screen, self.bar, self.timeline, self.renderer, s, state + fps)

    def draw_legend(self, below: int) -> pygame.Rect:
        """In the panel under its text when it fits there, else over the map's bottom-left corner."""
        surf = self.panel_view.legend_surface(self.panel.width - 16)
        r = surf.get_rect(topleft=(self.panel.x + 8, self.panel.y + below))
        if r.bottom > self.panel.bottom - 4:
            r.bottomleft = (self.view.x + 8, self.view.bottom - 8)
        self.screen.blit(surf, r)
        return r

    # ---- the loop ---------------------------------------------------------------------
    def run(self) -> int:
        t_fps, n_fps = time.perf_counter(), 0
        while self.running:
            dt = 1 / 60 if self.screenshot else self.clock.tick(self.fps_cap) / 1000.0
            for ev in pygame.event.get():
                self.handle_event(ev)
            self.update(dt)
            self.draw()
            pygame.display.flip()
            self.frame += 1
            n_fps += 1
            now = time.perf_counter()
            if now - t_fps >= 0.5:
                self.fps, t_fps, n_fps = n_fps / (now - t_fps), now, 0
            if self.screenshot and self.frame >= max(1, self.frames):
                Path(self.screenshot).parent.mkdir(parents=True, exist_ok=True)
                pygame.image.save(self.screen, self.screenshot)
                print(f"wrote {self.screenshot} (tick {self.session.tick})")
                break
        if self.record:
            p = self.session.save(self.record)
            print(f"recorded {len(self.session.log)} ticks to {p}")
        return 0
