"""A kernel's arguments as the code that owns the kernel declares them: each one's name and, for
an array, its dims. Plain data with no compiled import, so the build reads it before any kernel
exists.

engine/systems_cy/stepgen.py writes each kernel's binding table (engine.kernel.Kernel) from the
declaration, after checking it against the kernel's Cython signature: the same names in the same
order, one dim per array axis, the scalars last. So the signature holds what Cython needs (the C
types) and the declaration the rest (the dims `bind()` checks), and the build refuses a
disagreement. A dim is symbolic (`"worlds"`, `"agents"`: agrees across the arguments of a call),
an integer, or the name of an upper-case constant the kernel's module cimports (`"NUM_CODES"`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str  # the kernel's argument
    dims: tuple[str | int, ...] = ()  # an array's dims, one per axis; () for a scalar


def array(name: str, *dims: str | int) -> Param:
    return Param(name=name, dims=tuple(dims))


def scalar(name: str) -> Param:
    return Param(name=name)
