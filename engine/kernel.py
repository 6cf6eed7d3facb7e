"""The boundary between Python and a Cython kernel: declared arguments, checked once.

A kernel declares each array argument's dtype and symbolic shape. `bind()` checks the arrays
(dtype, rank, C-contiguity, and that symbolic dims agree across arguments) and returns a
zero-argument callable, so the check is paid when a system is set up, not every tick. Kernels
mutate the World's arrays in place, which is why binding them once is sound.

A Cython kernel's `fn` is its generated Step class (engine/systems_cy/step.pyx): binding makes
the Step, which holds the typed memoryviews, so a Pipeline runs it with a C call. Any other
callable is bound with `functools.partial`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np

from engine.systems_cy.step import Step


class KernelArgumentError(TypeError):
    """An array handed to a kernel has the wrong dtype, rank, shape or layout."""


@dataclass(frozen=True)
class Arg:
    name: str
    dtype: Any
    dims: tuple[str | int, ...]


def arg(name: str, dtype: Any, *dims: str | int) -> Arg:
    return Arg(name, np.dtype(dtype), tuple(dims))


class Kernel:
    def __init__(self, name: str, fn: Callable[..., Any], args: list[Arg], scalars: tuple[str, ...] = ()):
        self.name = name
        self.fn = fn
        self.args = args
        self.scalars = scalars

    def check(self, **kwargs: Any) -> dict[str, int]:
        """Validate keyword arguments; returns the bound symbolic dims."""
        names = [a.name for a in self.args] + list(self.scalars)
        missing = [n for n in names if n not in kwargs]
        extra = [n for n in kwargs if n not in names]
        if missing or extra:
            raise KernelArgumentError(
                f"{self.name}: missing arguments {missing}, unexpected {extra}; it takes {names}"
            )
        dims: dict[str, int] = {}
        for a in self.args:
            value = kwargs[a.name]
            want = f"a C-contiguous {a.dtype} array of shape ({', '.join(map(str, a.dims))})"
            if not isinstance(value, np.ndarray):
                raise KernelArgumentError(
                    f"{self.name}: argument '{a.name}' must be {want}; got {type(value).__name__}"
                )
            got = f"{value.dtype} array of shape {value.shape}"
            if value.dtype != a.dtype or value.ndim != len(a.dims):
                raise KernelArgumentError(f"{self.name}: argument '{a.name}' must be {want}; got {got}")
            if not value.flags.c_contiguous:
                raise KernelArgumentError(
                    f"{self.name}: argument '{a.name}' must be {want}; got a non-contiguous {got}"
                )
            for axis, (d, n) in enumerate(zip(a.dims, value.shape)):
                if isinstance(d, int):
                    ok = n == d
                else:
                    ok = dims.setdefault(d, n) == n
                if not ok:
                    expected = d if isinstance(d, int) else f"{d}={dims[d]}"
                    raise KernelArgumentError(
                        f"{self.name}: argument '{a.name}' axis {axis} must be {expected} like the other "
                        f"arguments; got {got}"
                    )
        return dims

    def bind(self, **kwargs: Any) -> Callable[[], Any]:
        self.check(**kwargs)
        ordered = [kwargs[a.name] for a in self.args] + [kwargs[s] for s in self.scalars]
        if isinstance(self.fn, type) and issubclass(self.fn, Step):
            return self.fn(*ordered)
        return partial(self.fn, *ordered)

    def __call__(self, **kwargs: Any) -> Any:
        return self.bind(**kwargs)()
