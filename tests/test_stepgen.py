"""Kernel binding tables are generated from the kernels' signatures (engine/systems_cy/stepgen.py):
the parser, its errors, and that every compiled kernel's table is its signature."""

from pathlib import Path

import numpy as np
import pytest

from engine.systems_cy import stepgen
from engine.systems_cy.stepgen import arguments, kernels_of, render
from game.rules import constants  # the upper-case dims are its constants, cimported through constants.pxd

ROOT = Path(__file__).resolve().parents[1]


def kernel_modules():
    """Every kernel module: the engine's (engine/systems_cy) and each mechanic's (game/mechanics/*)."""
    import importlib

    for pyx in sorted(ROOT.glob("engine/systems_cy/*.pyx")) + sorted(ROOT.glob("game/mechanics/*/*.pyx")):
        if f'include "{pyx.stem}_steps.pxi"' in pyx.read_text():
            yield pyx, importlib.import_module(".".join(pyx.relative_to(ROOT).with_suffix("").parts))


def test_arguments_read_types_names_and_dims_across_lines():
    sig = """const int32_t[:, :, ::1] grid,   # (worlds, height, width) the map
             uint8_t[:, ::1] alive,  # (worlds, rows)
             const int32_t[:, ::1] t_cost,  # (groups, NUM_CODES)
             int64_t[::1] signal_count,  # (1,)
             int max_steps, float share"""
    args = arguments(sig, "k")
    assert [(p.typ, p.name) for p in args] == [
        ("const int32_t[:, :, ::1]", "grid"),
        ("uint8_t[:, ::1]", "alive"),
        ("const int32_t[:, ::1]", "t_cost"),
        ("int64_t[::1]", "signal_count"),
        ("int", "max_steps"),
        ("float", "share"),
    ]
    assert [p.dims for p in args] == [
        ["worlds", "height", "width"],
        ["worlds", "rows"],
        ["groups", "NUM_CODES"],
        [1],
        None,
        None,
    ]
    assert [p.dtype for p in args[:4]] == ["int32", "uint8", "int32", "int64"]
    code = render("m.pyx", [("k", args)])
    assert "cdef class k_step(Step):" in code
    assert "    cdef const int32_t[:, :, ::1] grid" in code
    assert (
        "return k(self.grid, self.alive, self.t_cost, self.signal_count, self.max_steps, self.share)" in code
    )
    # symbolic dims are strings; integers and upper-case module constants are fixed sizes
    assert "_arg('grid', 'int32', 'worlds', 'height', 'width')," in code
    assert "_arg('t_cost', 'int32', 'groups', NUM_CODES)," in code
    assert "_arg('signal_count', 'int64', 1)," in code
    assert "scalars=('max_steps', 'share',)," in code


@pytest.mark.parametrize(
    "sig, message",
    [
        ("int a=1", "no defaults"),
        ("int32_t[:, ::1] grid", "needs its dims in a comment"),
        ("int32_t[:, ::1] grid,  # (worlds, height, width)", "2-d memoryview but its comment names 3 dims"),
        ("int32_t[:, ::1] a, int32_t[:, ::1] b,  # (worlds, agents)", "exactly one array argument"),
        ("int32_t[:, :] grid,  # (worlds, agents)", "C-contiguous"),
        ("bint[:, ::1] grid,  # (worlds, agents)", "no numpy dtype"),
        ("int n,\n int32_t[::1] x,  # (worlds,)", "follows scalar 'n'"),
    ],
)
def test_signature_mistakes_stop_the_build_naming_the_argument(sig, message):
    with pytest.raises(SystemExit, match=message):
        arguments(sig, "m.pyx:k")


def test_every_kernel_table_is_generated_from_its_signature():
    """The compiled binding table of every kernel (what `bind` checks and binds by name) lists the
    signature's arrays with their dtypes and dims, then its scalars, in the signature's order."""
    seen = 0
    for pyx, module in kernel_modules():
        sigs = dict(kernels_of(pyx))
        for system, kernel in module.KERNELS.items():
            params = sigs[kernel.name]
            arrays = [p for p in params if p.is_array]
            assert [(a.name, a.dtype, a.dims) for a in kernel.args] == [
                (
                    p.name,
                    np.dtype(p.dtype),
                    tuple(getattr(constants, d) if isinstance(d, str) and d.isupper() else d for d in p.dims),
                )
                for p in arrays
            ], f"{pyx.name}:{system}"
            assert list(kernel.scalars) == [p.name for p in params if not p.is_array]
            seen += 1
    assert seen >= 18


def test_one_name_one_shape_across_kernels():
    """The same argument name means the same array everywhere (binding is by name), so its dtype
    and dims agree across all kernels."""
    meaning: dict[str, tuple] = {}
    for pyx, _ in kernel_modules():
        for kernel, params in kernels_of(pyx):
            for p in params:
                if p.is_array:
                    where = f"{pyx.name}:{kernel}"
                    first = meaning.setdefault(p.name, (p.dtype, p.dims, where))
                    assert (p.dtype, p.dims) == first[:2], (
                        f"'{p.name}' is {p.dtype} {p.dims} in {where}, {first[0]} {first[1]} in {first[2]}"
                    )
    assert {"grid", "intent", "position_r", "agent_orientation", "stats"} <= set(meaning)


def test_generated_files_are_up_to_date(tmp_path):
    """The .pxi files the build wrote are what stepgen makes of today's signatures."""
    for pyx, _ in kernel_modules():
        built = pyx.parent / f"{pyx.stem}_steps.pxi"
        assert built.read_text() == render(pyx.name, kernels_of(pyx)), (
            f"{built.name} is stale: run make build"
        )
    assert stepgen.HEADER.startswith("# generated")
