"""A level section: the msgspec Struct a mechanic's `[table]` of a level file decodes into.

Unknown fields are errors (a typo must never be silently ignored); every field has a default and
a doc (`msgspec.Meta(description=...)`, through `doc`), from which the level reference is
generated. Besides its fields a section holds `problems()`, its checks that types cannot say
(names that must exist, values that must agree; game/load/validate.py walks them), and `tables()`,
the arrays its kernels take as `t_<name>` (game/state/world.py collects them). A mechanic declares
its section (game/mechanics/mechanic.py, `Section`), and the Level (game/rules/schema.py) is made
with one field per declared section.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import Meta

Problems = Iterator[tuple[str, str]]  # (TOML path, what is wrong and what is expected)


class Base(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    def problems(self, level: Any, path: str) -> Problems:
        """What is wrong with this section of `level`, found at TOML path `path`."""
        return iter(())

    def tables(self, level: Any) -> dict[str, Any]:
        """Arrays (or counts) derived from this section, bound to kernel arguments `t_<name>`."""
        return {}


def doc(text: str, **kw) -> Meta:
    return Meta(description=text, **kw)
