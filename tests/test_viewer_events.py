"""The viewer shows the game: events on the map, the legend, the whole map at start, the selected
agent's inventory, and `play --frames N` ending on tick N (headless, SDL's dummy driver)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

import game
from tests.scenario_util import DOWN, UP, Scenario
from viewer.events import FADE_TICKS, Event, EventLog
from viewer.marks import EVENT_COLORS

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
LEVEL = "game/levels/arena.toml"


pytestmark = pytest.mark.usefixtures("pygame_display")


def noops(env):
    noop = env.action_names.index("noop")
    return lambda obs: np.tile(np.array([noop, 0], np.int32), (obs.shape[0], 1))


def scenario_app(ascii, **raw):
    """An App in play on a tiny scenario world, agent 0 driven, the others nooping."""
    from viewer.app import App
    from viewer.session import Session

    env = Scenario(ascii, **raw).env
    return App(Session(env, mode="play", policy=noops(env), controlled=0), size=(900, 600))


def press(app, *keys):
    for k in keys:
        app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode=""))


def test_attack_steal_freeze_and_transfer_are_extracted_with_their_cells():
    s = Scenario(
        """
A.
A#
.m
""",
        combat={"damage": 5},
    )
    log = EventLog(s.env)
    ore = s.env.resource_names.index("ore")
    s.step({0: ("rotate", DOWN), 1: ("rotate", UP)})
    assert log.record(1) == []  # turning is no event
    s.env.world["inventory"].items[0, 1, ore] = 2
    s.step({1: ("transfer", ore)})  # agent 1 (1, 0) gives one ore up to agent 0 (0, 0)
    assert log.record(2) == [Event(2, "transfer", (1, 0), (0, 0), 1)]
    s.step({0: ("attack", 1)})  # straight ahead: agent 1 is frozen and robbed of its last ore
    assert log.record(3) == [
        Event(3, "attack", (0, 0), (1, 0)),
        Event(3, "steal", (0, 0), (1, 0), 1),
        Event(3, "freeze", (1, 0), (1, 0)),
    ]
    assert [e.kind for e, age in log.recent(3)] == ["transfer", "attack", "steal", "freeze"]
    assert [age for e, age in log.recent(3)] == [1, 0, 0, 0]
    s.idle(FADE_TICKS - 1)
    for t in range(4, 4 + FADE_TICKS - 1):
        log.record(t)
    assert {e.kind for e, _ in log.recent(3 + FADE_TICKS - 1)} == {"attack", "steal", "freeze"}
    s.step()
    log.record(3 + FADE_TICKS)
    assert log.recent(3 + FADE_TICKS) == []  # faded out


def test_use_and_bond_are_extracted():
    s = Scenario(
        """
Am
A.
""",
        mate={"window": 3},
    )
    log = EventLog(s.env)
    s.step({0: ("rotate", 3)})  # face the mine on the right
    log.record(1)
    s.step({0: ("use", 0)})
    assert log.record(2) == [Event(2, "use", (0, 0), (0, 1))]
    s.step({0: ("rotate", DOWN), 1: ("rotate", UP)})
    log.record(3)
    s.step({0: ("mate", 0), 1: ("mate", 0)})
    assert log.record(4) == [Event(4, "bond", (0, 0), (1, 0))]


def test_an_attack_is_drawn_between_its_cells_then_fades():
    app = scenario_app(
        """
A.m
A..
""",
        buildings={"mine": {"hp": 50}},
    )
    press(app, pygame.K_RIGHT)  # face right: the mine is two cells ahead
    press(app, pygame.K_a, pygame.K_5)  # argument 4: distance 2, straight ahead
    assert [e.kind for e, _ in app.session.events.recent(app.session.tick)] == ["attack"]
    app.draw()
    x, y = app.cam.to_screen(0.5, 1.5, app.view)  # the empty cell between attacker and mine
    assert tuple(app.screen.get_at((int(x), int(y))))[:3] == EVENT_COLORS["attack"]
    press(app, *[pygame.K_n] * FADE_TICKS)
    app.draw()
    assert tuple(app.screen.get_at((int(x), int(y))))[:3] != EVENT_COLORS["attack"]


def make_arena_app(**kw):
    from viewer.app import App
    from viewer.session import Session

    env = game.make_env(LEVEL, num_worlds=1, seed=1)
    return App(Session(env, mode="play", level_path=LEVEL, seed=1, controlled=0), size=(900, 600), **kw)


def test_the_whole_map_fits_at_start_and_z_fits_it_again():
    app = make_arena_app()
    app.draw()
    r0, c0, r1, c1 = app.renderer.content
    grid = app.session.env.world.resources.grid[0]
    rr, cc = np.nonzero(grid != -2)  # every cell that is not solid terrain wall...
    for r, c in ((rr.min(), cc.min()), (rr.max(), cc.max())):  # ...is on screen, corners included
        for dr in (0, 1):
            assert app.view.collidepoint(app.cam.to_screen(r + dr - 0.01 * dr, c + dr - 0.01 * dr, app.view))
    assert app.cam.covers(app.view) and app.cam.tile >= 8
    assert app.renderer.minimap_rect is None
    press(app, *[pygame.K_RIGHTBRACKET] * 4)
    assert not app.cam.covers(app.view)
    app.draw()  # zoomed in: a minimap in the top-right corner shows where every agent is
    box = app.renderer.minimap_rect
    assert box is not None and app.view.contains(box) and box.right > app.view.centerx
    env, k = app.session.env, box.width // (c1 - c0)
    vr0, vc0, vr1, vc1 = app.cam.visible(*grid.shape, app.view)
    pos, group = env.world["position"], env.world["agent"].group[0]
    off = [i for i in range(app.session.A) if not (vr0 <= pos.r[0, i] < vr1 and vc0 <= pos.c[0, i] < vc1)]
    assert off  # agents outside the camera's rectangle: the minimap is the only place they show
    for i in off[:5]:
        px = (box.x + (pos.c[0, i] - c0) * k + k // 2, box.y + (pos.r[0, i] - r0) * k + k // 2)
        assert tuple(app.screen.get_at(px))[:3] == app.renderer.g_colors[group[i]]
    press(app, pygame.K_z)
    assert app.cam.covers(app.view)


def test_legend_is_shown_and_toggled_by_l():
    from viewer.overlays import HELP

    app = make_arena_app()
    assert app.legend
    app.draw()
    rect = app.draw_legend(app.panel_view.draw(app.screen, app.panel, app.session))
    shown = pygame.image.tostring(app.screen.subsurface(rect), "RGB")
    press(app, pygame.K_l)
    assert not app.legend
    app.draw()
    assert pygame.image.tostring(app.screen.subsurface(rect), "RGB") != shown
    press(app, pygame.K_l)
    assert app.legend
    assert any(k == "L" and "legend" in what for k, what in HELP)
    docs = (ROOT / "docs/viewer.md").read_text()
    missing = [k for k, what in HELP if f"| `{k}` | {what} |" not in docs]
    assert not missing, f"docs/viewer.md's key table lacks {missing}: copy the rows of viewer.overlays.HELP"


def test_the_selected_agents_inventory_is_labelled_on_the_map():
    app = make_arena_app()
    env = app.session.env
    i = 7
    app.session.select(i)
    items = env.world["inventory"].items
    items[0, i] = 0
    items[0, i, env.resource_names.index("ore")] = 3
    items[0, i, env.resource_names.index("heart")] = 1
    assert [s for s, _ in app.renderer.inventory_parts(i)] == ["ore 3", "heart 1"]
    items[0, i] = 0
    assert [s for s, _ in app.renderer.inventory_parts(i)] == ["empty"]
    app.cam.follow = False
    app.draw()
    pos = env.world["position"]
    x, y = app.cam.to_screen(pos.r[0, i], pos.c[0, i] + 0.5, app.view)
    # the label's box has a yellow border just above the agent (or just below it at the top edge)
    above = [tuple(app.screen.get_at((int(x), int(y) - d)))[:3] for d in range(3, 10)]
    below = [tuple(app.screen.get_at((int(x), int(y + app.cam.tile) + d)))[:3] for d in range(3, 10)]
    from viewer.render import SELECT

    assert SELECT in above + below


def test_play_screenshot_of_frame_n_is_tick_n(tmp_path):
    out = tmp_path / "shot.png"
    cmd = [sys.executable, "-m", "viewer", "play", LEVEL, "--screenshot", str(out), "--frames", "7"]
    r = subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert r.returncode == 0, r.stderr
    assert re.search(r"\(tick 7\)", r.stdout), r.stdout
    assert out.is_file()
