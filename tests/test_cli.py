"""`python -m game`: validate, render, describe, new, docs."""

from __future__ import annotations

import os

import pytest

from game.tools.cli import main
from game.tools.reference import DOCS_PATH, reference_text
from game.load.level import LEVELS_DIR, load_level
from game.maps.make import make_layout
from game.tools.palette import PALETTE, building_color
from game.tools.render import TERRAIN


def test_validate_many_levels(capsys):
    assert main(["validate", "arena", "maze", "game/levels/harvest.toml"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == 3


def test_validate_reports_each_bad_level_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("max_steps = 0\n")
    assert main(["validate", "arena", str(bad), str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("error: bad.toml: $.max_steps: Expected `int` >= 1")
    assert "missing.toml: no such level file" in err[1]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_validate_refuses_non_finite_numbers(tmp_path, capsys, value):
    bad = tmp_path / "nan.toml"
    bad.write_text(f'base = "harvest"\n[resources.ore]\nreward = {value}\n')
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: nan.toml: $.resources.ore.reward: {float(value)} is not a finite number")


def test_bad_toml_syntax(tmp_path, capsys):
    f = tmp_path / "broken.toml"
    f.write_text("[map\n")
    assert main(["validate", str(f)]) == 2
    assert capsys.readouterr().err.startswith("error: broken.toml: not valid TOML")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["render"])
    assert exc.value.code == 2


def test_render_draws_the_tile_look(tmp_path, capsys):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    out = tmp_path / "h.png"
    assert main(["render", "harvest", "-o", str(out), "--tile", "10", "--no-key"]) == 0
    img = pygame.image.load(str(out))
    level = load_level("harvest")
    lay = make_layout(level, 0)
    assert img.get_size() == (lay.width * 10, lay.height * 10)
    assert tuple(img.get_at((0, 0)))[:3] == TERRAIN  # the corner is wall
    name, r, c = lay.objects[0]
    assert tuple(img.get_at((c * 10 + 2, r * 10 + 5)))[:3] == building_color(name)
    # agents: disc in the group's colour (harvest's group is 'team': the first palette colour)
    _, r, c = lay.agents[0]
    assert tuple(img.get_at((c * 10 + 5, r * 10 + 8)))[:3] == PALETTE[0]


def test_render_writes_only_where_it_is_told(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["render", "maze"])
    assert exc.value.code == 2 and "-o/--output" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written into the current directory


def test_describe_shows_config_spaces_and_features(capsys):
    assert main(["describe", "harvest"]) == 0
    out = capsys.readouterr().out
    assert "observation space: (11, 11, 24) uint8" in out
    assert "action space: MultiDiscrete([10, 9])" in out
    assert "inv.heart" in out and "self.progress" in out
    assert "# resolved config" in out and 'name = "harvest"' in out and "[buildings.mine]" in out


def test_new_writes_a_valid_commented_template(tmp_path, capsys):
    assert main(["new", "mylevel", "-o", str(tmp_path)]) == 0
    f = tmp_path / "mylevel.toml"
    text = f.read_text()
    assert text.startswith("# mylevel:") and text.count("#") > 20
    level = load_level(f)
    assert level.name == "mylevel"
    assert main(["validate", str(f)]) == 0
    # the template keeps the library's spaces
    from game.env.gridenv import make_env

    assert make_env(f).single_observation_space == make_env("arena").single_observation_space
    capsys.readouterr()
    assert main(["new", "mylevel", "-o", str(tmp_path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "mylevel", "-o", str(tmp_path), "--force"]) == 0


def test_committed_reference_equals_the_generated_text():
    assert DOCS_PATH.read_text() == reference_text(), (
        "docs/levels.md is stale: run `python -m game docs -o docs/levels.md`"
    )


def test_reference_covers_every_field():
    import msgspec

    from game.rules.schema import Level
    from game.maps.generators import GENERATORS

    text = reference_text()
    for cls in [Level, *(g.params for g in GENERATORS.values())]:
        for f in cls.__struct_fields__:
            assert f"| `{f}` |" in text
    assert msgspec.inspect  # (the schema's docs come from Meta descriptions)
    for name in ("arena", "harvest", "maze"):
        assert f"### {name}\n" in text


def test_docs_check_and_write(tmp_path, capsys):
    assert main(["docs", "--check"]) == 0
    out = tmp_path / "levels.md"
    assert main(["docs", "-o", str(out)]) == 0
    assert out.read_text() == reference_text()
    out.write_text("old")
    assert main(["docs", "--check", "-o", str(out)]) == 2


def test_a_non_utf8_level_is_one_line_and_the_files_after_it_are_still_checked(tmp_path, capsys):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert main(["validate", str(bad), "harvest"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: latin1.toml: not a UTF-8 text file") and "Traceback" not in err
    assert "ok: harvest" in out


def test_docs_without_a_path_prints_and_never_writes_into_the_package(tmp_path, monkeypatch, capsys):
    """`kgrid docs` run from another directory rewrote the package's own docs/levels.md: without
    -o the reference is printed; the project's file is written only when named."""
    import game.tools.cli as cli

    package_copy = tmp_path / "package" / "docs" / "levels.md"
    package_copy.parent.mkdir(parents=True)
    package_copy.write_text("the package's file")
    monkeypatch.setattr(cli, "DOCS_PATH", package_copy)  # so a regression cannot touch the real one
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["docs"]) == 0
    assert capsys.readouterr().out == reference_text()
    assert package_copy.read_text() == "the package's file" and list(work.iterdir()) == []
    assert main(["docs", "--check"]) == 2  # the check still reads the project's file
    assert f"run `python -m game docs -o {package_copy}`" in capsys.readouterr().err
    assert main(["docs", "-o", str(package_copy)]) == 0  # and regenerating it is asked for by name
    assert package_copy.read_text() == reference_text()


def test_a_directory_or_a_device_given_as_a_level_is_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path), "/dev/null", "harvest"]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert lines == [
        f"error: {tmp_path}: is a directory, not a level file; give a .toml file or a name in {LEVELS_DIR}",
        "error: /dev/null: not a regular file (a device, pipe or socket); give a level .toml file",
    ]
    assert "ok: harvest" in out


def test_a_level_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path, capsys):
    from game.rules.limits import MAX_LEVEL_BYTES

    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(MAX_LEVEL_BYTES + 1)  # sparse: no disk used
    assert main(["validate", str(big)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"error: {big}: over 16 MiB, the limit of a level file (docs/levels.md, Limits); a level is a "
        "short TOML file\n"
    )


def test_validate_dev_zero_is_refused_at_once(tmp_path):
    from tests.memory_cap import run_capped

    r = run_capped(["-m", "game", "validate", "/dev/zero"], tmp_path)
    assert r.returncode == 2, r.stderr[-2000:]
    assert (
        r.stderr
        == "error: /dev/zero: not a regular file (a device, pipe or socket); give a level .toml file\n"
    )
