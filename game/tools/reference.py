"""docs/levels.md, generated from the schema (game/rules/schema.py), the map generators, the limits,
the defaults and the level library: `python -m game docs -o docs/levels.md` writes it (without -o it
is printed), `--check` compares."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import msgspec

from game.load import level as level_mod
from game.load.level import LEVELS_DIR
from game.maps.compose import Part
from game.maps.generators import GENERATORS
from game.rules import limits
from game.rules.defaults import BUILDINGS, DECLARED, RESOURCES
from game.rules.schema import Building, Level, Resource
from game.tools.usage import USAGE

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS_PATH = ROOT / "docs" / "levels.md"


def _unwrap(tp):
    meta = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        meta += [a for a in args[1:] if isinstance(a, msgspec.Meta)]
    return tp, meta


def _is_struct(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _type_name(tp) -> str:
    tp, _ = _unwrap(tp)
    if _is_struct(tp):
        return f"table ([{tp.__name__}](#{tp.__name__.lower()}))"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(f'`"{a}"`' for a in typing.get_args(tp))
    if origin is dict:
        val, _ = _unwrap(typing.get_args(tp)[1])
        if _is_struct(val):
            return f"table of [{val.__name__}](#{val.__name__.lower()}) tables"
        return f"table of {_type_name(val)}"
    if origin is list:
        return f"array of {_type_name(typing.get_args(tp)[0])}"
    if tp is typing.Any:
        return "any"
    return {int: "int", float: "float", str: "string", bool: "bool"}.get(tp, getattr(tp, "__name__", str(tp)))


def _toml_value(v: Any) -> str:
    if isinstance(v, msgspec.Struct):
        return "{}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '""' if v == "" else f'"{v}"'
    if isinstance(v, dict):
        return "{}" if not v else "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def _default(cls, name: str) -> str:
    i = cls.__struct_fields__.index(name)
    defaults = cls.__struct_defaults__
    k = i - (len(cls.__struct_fields__) - len(defaults))
    d = defaults[k] if k >= 0 else msgspec.NODEFAULT
    if isinstance(d, msgspec._core.Factory):
        v = d.factory()
        if isinstance(v, msgspec.Struct):
            return "(table)"
        if cls.__name__ == "Level" and name == "actions":
            return "the defaults (below)"
        return _toml_value(v)
    if cls.__name__ == "Level" and name in ("resources", "buildings"):
        return "the defaults (below)"
    return _toml_value(d)


def _constraint(meta: list) -> str:
    parts = []
    for m in meta:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr)
            if v is not None:
                parts.append(f"{sym} {v}")
    return ", ".join(parts)


def _struct_table(cls, heading: str, level: int = 3) -> list[str]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = [f"{'#' * level} {heading}", ""]
    if cls.__doc__ and cls.__doc__ is not msgspec.Struct.__doc__:
        out += [" ".join(line.strip() for line in cls.__doc__.strip().splitlines() if line.strip()), ""]
    out += ["| field | type | default | description |", "| --- | --- | --- | --- |"]
    for f in cls.__struct_fields__:
        tp, meta = _unwrap(hints[f])
        desc = " ".join(m.description for m in meta if m.description) or ""
        cons = _constraint(meta)
        if cons:
            desc = f"{desc} ({cons})" if desc else f"({cons})"
        out.append(f"| `{f}` | {_type_name(hints[f])} | `{_default(cls, f)}` | {desc.replace('|', '/')} |")
    return out + [""]


def _structs_of(cls, seen: list) -> list:
    if cls in seen:
        return seen
    seen.append(cls)
    for tp in typing.get_type_hints(cls, include_extras=True).values():
        stack = [tp]
        while stack:
            t, _ = _unwrap(stack.pop())
            if _is_struct(t):
                _structs_of(t, seen)
            stack += [a for a in typing.get_args(t) if not isinstance(a, (str, msgspec.Meta))]
    return seen


def _level_summary(path: Path) -> list[str]:
    head = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        head.append(line.lstrip("#").strip())
    return head


def _limits_text() -> list[str]:
    return [
        "## Limits",
        "",
        "Sizes past these are refused with one line naming the field (`python -m game validate` exits",
        "2), before anything large is built (the values live in `game/rules/limits.py`):",
        "",
        "| what | limit | why |",
        "| --- | --- | --- |",
        f"| map height and width (ASCII, any generator's `height` / `width`, or the map `rooms` makes of "
        f"its rooms and walls), checked before the map is drawn | {limits.MAX_MAP_SIDE} cells a side | "
        "a 100000x100000 scatter map would take ~20 GB to draw and a 20001x20001 maze hours; the shipped "
        "levels are at most 40x40 |",
        f"| a level file | {limits.MAX_LEVEL_BYTES // 2**20} MiB, a regular file | a 1024x1024 ASCII map "
        "is 1 MiB; a device (`/dev/zero`), a pipe or a huge file would be read until memory runs out |",
        f"| a replay file (`python -m viewer replay`) | {limits.MAX_REPLAY_BYTES // 2**20} MiB of arrays "
        "(uncompressed), a regular file | 100,000 ticks of 200 agents' actions are 160 MB; a file whose "
        "arrays claim more than it holds is refused as corrupt before anything is allocated |",
        f"| `max_steps` (and the trainer's `--max-steps`) | {limits.MAX_STEPS:,} ticks (2**31 - 1) | the "
        "episode tick is an int32 |",
        f"| the memory of an env (`make_env(..., num_worlds=N)`, the trainer's `num_worlds`) | "
        f"{limits.MEMORY_SHARE:.0%} of the memory available when it is built | measured on one built world "
        "(its state arrays twice: the worlds and their reset template, plus the observation buffers) times "
        "N; the refusal says what it would need against what is available, e.g. `arena: 1,000,000 worlds "
        "would need about 210.1 GiB of memory and 22.4 GiB is available` |",
        "",
    ]


def reference_text() -> str:
    out = [
        "# Level reference",
        "",
        "<!-- Generated by `python -m game docs -o docs/levels.md` from game/rules/schema.py, game/maps",
        "     and game/levels; do not edit by hand (a test checks this file equals the generated text). -->",
        "",
        "A level is a TOML file: the game's rules plus a map. Every field has a default, so a level",
        "writes only what differs; unknown fields are errors. Check, look at and inspect levels with",
        "",
        "```",
        *[line.strip() for line in USAGE.splitlines()],
        "```",
        "",
        "## Loading",
        "",
        *[line for line in (level_mod.__doc__ or "").strip().splitlines()],
        "",
        "Every level is merged onto the default game (below), so all shipped levels share the default",
        "resources and actions, and therefore one observation and action space: one policy runs on",
        "all of them. Errors name the file, the TOML path and what was expected, e.g.",
        "`arena.toml: $.obs.window: expected an odd window of at least 1 (e.g. 11), got 10`.",
        "",
        "## Schema",
        "",
    ]
    for cls in _structs_of(Level, []):
        out += _struct_table(cls, cls.__name__ if cls is not Level else "Level (the top level of the file)")
    out += [
        "## Maps",
        "",
        "An ASCII map (`[map] ascii`) draws one character per cell. The legend maps characters to",
        "`empty`, `wall`, a building name, or `agent.GROUP`; by default `.` and space are empty, every",
        "building's `char` is that building, and `A` is an agent of the first group. `[map.legend]`",
        "adds or overrides entries. A `wall` with hp 0 is indestructible terrain.",
        "",
        "Or a generator (`[map] generator` with `[map.params]`). Generators draw only from the map's",
        "seed: world w of an env seeded s gets seed s + w (or `[map] seed` for all worlds), so a map",
        "is reproducible from its seed. Every map of one level has the same size and the same agent",
        "and object counts. Agents take rows in group declaration order, then map order.",
        "",
    ]
    for name, gen in GENERATORS.items():
        out += _struct_table(gen.params, f"generator `{name}`")
        if name == "compose":
            out += _struct_table(Part, "Part (an entry of `parts`)", 4)
    out += _limits_text()
    out += [
        "## Defaults",
        "",
        "### Resources",
        "",
        "| resource | reward | reward_max | max |",
        "| --- | --- | --- | --- |",
    ]
    for r, d in RESOURCES.items():
        res = Resource(**d)
        out.append(f"| `{r}` | {res.reward} | {res.reward_max} | {res.max} |")
    out += [
        "",
        "### Buildings",
        "",
        "| building | char | inputs | outputs | cooldown | hp | usable |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for b, d in BUILDINGS.items():
        bb = Building(**d)
        ins = ", ".join(
            [f"{n} {k}" for k, n in bb.inputs.items()]
            + ([f"{bb.input_energy} energy"] if bb.input_energy else [])
        )
        outs = ", ".join(
            [f"{n} {k}" for k, n in bb.outputs.items()]
            + ([f"{bb.output_energy} energy"] if bb.output_energy else [])
        )
        out.append(
            f"| `{b}` | `{bb.char}` | {ins or '-'} | {outs or '-'} | {bb.cooldown} | {bb.hp} | "
            f"{str(bb.usable).lower()} |"
        )
    out += ["", "### Actions", "", "| action | cost | priority |", "| --- | --- | --- |"]
    for a, d in DECLARED.items():  # every action, listed in levels or not
        out.append(f"| `{a}` | {d['cost']} | {d['priority']} |")
    out += ["", "## The level library (`game/levels/`)", ""]
    for path in sorted(LEVELS_DIR.glob("*.toml")):
        head = _level_summary(path)
        out += [f"### {path.stem}", ""] + [" ".join(head)] + [""] if head else [f"### {path.stem}", ""]
    return "\n".join(out).rstrip() + "\n"
