"""The viewer, headless (SDL_VIDEODRIVER=dummy, set in conftest): keys, panel, replay, watch, no display."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

import game
from game.state.kinship import kin_row
from game.tools.replay import load_replay, verify_replay

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
LEVEL = "game/levels/arena.toml"
ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("pygame_display")


def make_app(mode="play", level=LEVEL, policy=None, **kw):
    from viewer.app import App
    from viewer.session import Session

    env = game.make_env(level, num_worlds=1, seed=1)
    s = Session(
        env, mode=mode, policy=policy, level_path=level, seed=1, controlled=0 if mode == "play" else None
    )
    return App(s, size=(900, 600), **kw)


def free_agent(app):
    """Make agent 0 face up with an empty cell to its right and below; return it."""
    env = app.session.env
    pos, grid = env.world["position"], env.world.resources.grid[0]
    for i in range(app.session.A):
        r, c = int(pos.r[0, i]), int(pos.c[0, i])
        if grid[r, c + 1] == -1 and grid[r + 1, c] == -1 and grid[r - 1, c] == -1:
            app.session.select(i)
            app.session.controlled = i
            env.world["agent"].orientation[0, i] = 0
            return i, r, c
    raise AssertionError("no agent with free neighbours")


def press(app, key, mod=0):
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=""))


def last(app, i):
    names = app.session.env.action_names
    a, arg = app.session.last_actions[i]
    return names[a], int(arg)


def test_arrow_rotates_then_moves_and_each_key_is_one_tick():
    app = make_app()
    i, r, c = free_agent(app)
    ag, pos = app.session.env.world["agent"], app.session.env.world["position"]
    press(app, pygame.K_RIGHT)  # not facing right: rotate
    assert app.session.tick == 1 and last(app, i) == ("rotate", 3)
    assert ag.orientation[0, i] == 3 and (pos.r[0, i], pos.c[0, i]) == (r, c)
    press(app, pygame.K_RIGHT)  # facing right: move forward
    assert app.session.tick == 2 and last(app, i) == ("move", 0)
    assert (pos.r[0, i], pos.c[0, i]) == (r, c + 1)
    press(app, pygame.K_b)  # backward
    assert last(app, i) == ("move", 1) and (pos.r[0, i], pos.c[0, i]) == (r, c)
    press(app, pygame.K_DOWN, pygame.KMOD_SHIFT)  # shift: rotate only
    assert (
        last(app, i) == ("rotate", 1) and ag.orientation[0, i] == 1 and (pos.r[0, i], pos.c[0, i]) == (r, c)
    )


@pytest.mark.parametrize(
    "keys,expected",
    [
        ([pygame.K_e], ("use", 0)),
        ([pygame.K_u], ("use", 0)),
        ([pygame.K_s], ("shield", 0)),
        ([pygame.K_x], ("swap", 0)),
        ([pygame.K_m], ("mate", 0)),
        ([pygame.K_n], ("noop", 0)),
        ([pygame.K_a, pygame.K_a], ("attack", 1)),
        ([pygame.K_a, pygame.K_7], ("attack", 6)),
        ([pygame.K_t, pygame.K_2], ("transfer", 1)),
        ([pygame.K_t, pygame.K_t], ("transfer", 0)),
        ([pygame.K_c, pygame.K_3], ("color", 2)),
        ([pygame.K_c, pygame.K_c], ("color", 0)),
    ],
)
def test_action_keys(keys, expected):
    app = make_app()
    for k in keys:
        press(app, k)
    assert app.session.tick == 1
    assert last(app, app.session.controlled) == expected


def test_choice_can_be_cancelled_and_shield_key_really_toggles():
    app = make_app()
    press(app, pygame.K_a)
    assert app.choice == "attack"
    press(app, pygame.K_ESCAPE)
    assert app.choice is None and app.session.tick == 0 and app.running
    press(app, pygame.K_s)
    assert app.session.env.world["agent"].shield[0, 0] == 1
    app.session.env.world["agent"].color[0, 0] = 5
    press(app, pygame.K_c)
    press(app, pygame.K_3)  # x2
    assert app.session.env.world["agent"].color[0, 0] == 10


def test_realtime_queues_the_key_for_the_next_tick():
    app = make_app()
    press(app, pygame.K_r)
    assert not app.turn_based
    press(app, pygame.K_e)
    assert app.session.tick == 0 and app.session.pending == (app.session.env.action_names.index("use"), 0)
    app.speed = 10
    app.update(0.25)  # 2.5 ticks worth of time: 2 ticks, the key applies to the first
    assert app.session.tick == 2 and app.session.pending is None
    assert app.session.log[0][0, 0] == app.session.env.action_names.index("use")
    assert app.session.log[1][0, 0] == app.session.noop


def test_tick_rate_is_independent_of_frame_rate():
    a, b = make_app(mode="spectate"), make_app(mode="spectate")
    a.speed = b.speed = 8
    for _ in range(60):
        a.update(1 / 60)
    for _ in range(240):
        b.update(1 / 240)
    assert a.session.tick == b.session.tick == 8


def test_pause_step_and_speed():
    app = make_app(mode="spectate")
    press(app, pygame.K_SPACE)
    app.update(1.0)
    assert app.session.tick == 0
    press(app, pygame.K_PERIOD)
    assert app.session.tick == 1 and app.paused
    s0 = app.speed
    press(app, pygame.K_EQUALS)
    assert app.speed > s0
    press(app, pygame.K_MINUS)
    press(app, pygame.K_MINUS)
    assert app.speed < s0


def test_switch_and_take_over():
    app = make_app()
    press(app, pygame.K_TAB)
    assert app.session.controlled == app.session.selected == 1
    press(app, pygame.K_TAB, pygame.KMOD_SHIFT)
    assert app.session.controlled == 0
    sp = make_app(mode="spectate")
    assert sp.session.controlled is None
    press(sp, pygame.K_TAB)
    press(sp, pygame.K_RETURN)
    assert sp.session.controlled == 1
    sp.session.env.world["agent"].orientation[0, 1] = 0
    press(sp, pygame.K_e)
    sp.update(1.0)
    assert sp.session.log[0][1, 0] == sp.session.env.action_names.index("use")
    press(sp, pygame.K_RETURN)
    assert sp.session.controlled is None


def test_click_selects_the_agent_under_the_mouse():
    app = make_app()
    app.draw()
    pos = app.session.env.world["position"]
    x, y = app.cam.to_screen(pos.r[0, 5] + 0.5, pos.c[0, 5] + 0.5, app.view)
    app.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(int(x), int(y))))
    assert app.session.selected == 5


def test_panel_shows_the_agents_real_state():
    app = make_app()
    env = app.session.env
    press(app, pygame.K_s)  # shield on: a real action
    ag, inv = env.world["agent"], env.world["inventory"]
    ag.energy[0, 0] = 77
    ag.frozen[0, 0] = 4
    ag.color[0, 0] = 9
    inv.items[0, 0, env.resource_names.index("ore")] = 3
    env.world.resources.episode_return[0, 0] = 1.25
    from viewer.panel import panel_lines

    text = "\n".join(line for line, _ in panel_lines(app.session))
    info = env.inspect_agent(0)
    assert f"energy 77 / {info['max_energy']}" in text
    assert "shield on   frozen 4   color 9" in text
    assert "ore 3" in text
    assert "reward so far 1.250" in text
    assert "last action: shield(0)  succeeded" in text
    assert f"position {info['position'][0]},{info['position'][1]}  facing {info['orientation']}" in text
    # the kinship row: team kinship with share 0.5 gives 0.5/6 to the 5 team mates
    K = kin_row(env.world.resources, 0, 0)
    mates = [j for j in range(1, env.agents_per_world) if K[j] > 0]
    assert f"{K[mates[0]]:+.3f}: " + ",".join(map(str, mates)) in text
    stats = app.session.episode_stats()
    assert "episode stats" in text and f"uses ok: {int(stats['uses ok'])}" in text
    app.draw()  # and it draws without error


def test_replay_session_resimulates_and_scrubs(tmp_path):
    app = make_app()
    for k in [pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_e, pygame.K_s] * 20:
        press(app, k)
    assert app.session.tick == 80
    p = app.session.save(tmp_path / "rec.npz")
    rep = load_replay(p)
    assert rep.ticks == 80 and verify_replay(rep).ok
    from game.tools.replay import make_replay_env
    from viewer.app import App
    from viewer.session import Session

    s = Session(
        make_replay_env(rep), mode="replay", replay=rep, level_path=LEVEL, seed=rep.seed, controlled=None
    )
    ra = App(s, size=(900, 600))
    ra.speed = 1000
    for _ in range(10):
        ra.update(0.05)
    assert s.finished and ra.paused and s.env.state_hash([0]) == rep.state_hash
    # scrub back and forth: the same state as a straight re-simulation to that tick
    ref = make_replay_env(rep)
    for t in range(63):
        ref.step(rep.actions[t])
    press(ra, pygame.K_HOME)
    assert s.tick == 0
    s.seek(63)
    h63 = s.env.state_hash([0])
    assert h63 == ref.state_hash([0])
    press(ra, pygame.K_PAGEUP)  # 13
    press(ra, pygame.K_PAGEDOWN)  # 63
    assert s.tick == 63 and s.env.state_hash([0]) == h63
    press(ra, pygame.K_LEFT)
    press(ra, pygame.K_RIGHT)
    assert s.env.state_hash([0]) == h63
    np.testing.assert_array_equal(s.env.observations, ref.observations)
    ra.handle_event(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(ra.timeline.right - 1, ra.timeline.centery))
    )
    assert s.tick == rep.ticks and s.env.state_hash([0]) == rep.state_hash
    ra.draw()


def test_watch_reload_keeps_last_good_level_on_error(tmp_path):
    from viewer.cli import build_session, parser

    lvl = tmp_path / "arena.toml"
    shutil.copy(LEVEL, lvl)
    args = parser().parse_args(["play", str(lvl), "--watch"])
    s = build_session(args)
    from viewer.app import App

    app = App(s, size=(900, 600), watch=True, make_session=lambda old: build_session(args, old))
    lvl.write_text(lvl.read_text().replace("max_steps = 1000", 'max_steps = "many"'))
    app.poll_watch(force=True)
    assert (
        app.session is s
        and app.error
        and "max_steps" in app.error
        and "keeping the last good level" in app.error
    )
    app.draw()  # the error is drawn in the window
    lvl.write_text(lvl.read_text().replace('max_steps = "many"', "max_steps = 123"))
    app.poll_watch(force=True)
    assert app.error is None and app.session is not s and app.session.env.level.max_steps == 123


def test_screenshot_writes_a_png(tmp_path):
    out = tmp_path / "shot.png"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "viewer",
            "play",
            LEVEL,
            "--screenshot",
            str(out),
            "--frames",
            "3",
            "--keys",
            "right,e",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert r.returncode == 0, r.stderr
    img = pygame.image.load(str(out))
    assert img.get_size() == (1280, 800)


def test_no_display_gives_a_clear_message():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    r = subprocess.run(
        [sys.executable, "-m", "viewer", "play", LEVEL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 2
    assert (
        "no display available" in r.stderr
        and "SDL_VIDEODRIVER=dummy" in r.stderr
        and "--screenshot" in r.stderr
    )
    assert "Traceback" not in r.stderr


def test_bad_replay_on_the_command_line_is_one_line(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"garbage")
    r = subprocess.run(
        [sys.executable, "-m", "viewer", "replay", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert r.returncode == 1 and "corrupt or truncated" in r.stderr and "Traceback" not in r.stderr


def test_spectate_a_trained_checkpoint(tmp_path):
    """A checkpoint from the trainer drives every agent in spectate mode with valid actions."""
    from learn.training.config import load_config
    from learn.training.train import train
    from viewer.policy import load_policy

    ck = train(
        load_config(
            overrides=dict(
                level=LEVEL,
                num_worlds=1,
                horizon=8,
                total_steps=24 * 8 * 2,
                quiet=True,
                reference=False,
                torch_threads=1,
                run_dir=str(tmp_path / "run"),
            )
        )
    )["checkpoint"]
    env = game.make_env(LEVEL, num_worlds=1, seed=1)
    app = make_app(mode="spectate", policy=load_policy(ck, env))
    valid = {tuple(p) for p in app.session.env.flat_actions.tolist()}
    for _ in range(5):
        press(app, pygame.K_PERIOD)
        assert {tuple(a) for a in app.session.last_actions.tolist()} <= valid
    assert app.session.tick == 5
    # the run directory and RUN_DIR@STEP name the same checkpoint
    for spec in (str(tmp_path / "run"), f"{tmp_path / 'run'}@{24 * 8 * 2}"):
        assert load_policy(spec, env).name == f"checkpoint {Path(ck).name}"


def test_spectate_the_scripted_baseline_as_eval_names_it():
    from learn.evaluation.baselines import ScriptedPolicy
    from viewer.policy import load_policy

    env = game.make_env(LEVEL, num_worlds=1, seed=1)
    policy = load_policy("scripted", env)
    obs, _ = env.reset()
    ref = ScriptedPolicy(0)
    ref.bind(env, env.level_name)
    ref.reset(env.num_agents)
    assert policy.name == "scripted" and (policy(obs) == ref.act(obs)).all()
    app = make_app(mode="spectate", policy=policy)
    press(app, pygame.K_PERIOD)
    assert app.session.tick == 1
