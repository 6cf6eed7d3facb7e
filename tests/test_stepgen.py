"""Kernel binding tables are generated from the kernels' signatures and their declared arguments
(engine/systems_cy/stepgen.py, engine/params.py): the parser, the check of a declaration against
its signature and their errors, and that every compiled kernel's table is its declaration."""

import importlib
from pathlib import Path

import numpy as np
import pytest

from engine.params import array, scalar
from engine.systems_cy import args as engine_args
from engine.systems_cy import stepgen
from engine.systems_cy.stepgen import arguments, declare, generate, kernels_of, render, signatures
from game.mechanics import build as game_build
from game.mechanics.registry import MECHANICS
from game.rules import constants  # the upper-case dims are its constants, cimported through constants.pxd

ROOT = Path(__file__).resolve().parents[1]


def kernel_modules():
    """Every kernel module with its declaration: the engine's (engine/systems_cy) and each
    mechanic's (game/mechanics/*)."""
    owners = [(ROOT / "engine/systems_cy", engine_args.KERNELS, "engine/systems_cy/args.py")]
    owners += [
        (ROOT / "game/mechanics" / m.name, game_build.declared(m), f"game/mechanics/{m.name}/__init__.py")
        for m in MECHANICS
    ]
    for directory, declared, where in owners:
        for pyx in sorted(directory.glob("*.pyx")):
            if f'include "{pyx.stem}_steps.pxi"' in pyx.read_text():
                module = importlib.import_module(".".join(pyx.relative_to(ROOT).with_suffix("").parts))
                yield pyx, module, kernels_of(pyx, declared.get(pyx.stem, {}), where)


SIG = """const int32_t[:, :, ::1] grid,   # the map
         uint8_t[:, ::1] alive,
         const int32_t[:, ::1] t_cost,
         int64_t[::1] signal_count,
         int max_steps, float share"""
DECL = (
    array("grid", "worlds", "height", "width"),
    array("alive", "worlds", "rows"),
    array("t_cost", "groups", "NUM_CODES"),
    array("signal_count", 1),
    scalar("max_steps"),
    scalar("share"),
)


def test_arguments_read_types_and_names_across_lines_and_the_declaration_gives_the_dims():
    args = arguments(SIG, "k")
    assert [(p.typ, p.name) for p in args] == [
        ("const int32_t[:, :, ::1]", "grid"),
        ("uint8_t[:, ::1]", "alive"),
        ("const int32_t[:, ::1]", "t_cost"),
        ("int64_t[::1]", "signal_count"),
        ("int", "max_steps"),
        ("float", "share"),
    ]
    assert [p.dtype for p in args[:4]] == ["int32", "uint8", "int32", "int64"]
    declare(args, DECL, "m.pyx:k", "its owner")
    assert [p.dims for p in args] == [
        ("worlds", "height", "width"),
        ("worlds", "rows"),
        ("groups", "NUM_CODES"),
        (1,),
        (),
        (),
    ]
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
    assert "KERNELS = {'k': k_kernel}" in code


@pytest.mark.parametrize(
    "sig, message",
    [
        ("int a=1", "no defaults"),
        ("int32_t[:, :] grid", "C-contiguous"),
        ("bint[:, ::1] grid", "no numpy dtype"),
        ("int n,\n int32_t[::1] x", "follows scalar 'n'"),
    ],
)
def test_signature_mistakes_stop_the_build_naming_the_argument(sig, message):
    with pytest.raises(SystemExit, match=message):
        arguments(sig, "m.pyx:k")


@pytest.mark.parametrize(
    "decl, message",
    [
        (DECL[:3] + DECL[4:], r"signature's arguments \[.*'signal_count'.*\] differ from those declared in"),
        ((DECL[1], DECL[0]) + DECL[2:], "in the signature's order"),
        (
            (array("grid", "worlds", "rows"),) + DECL[1:],
            "'grid' is a 3-d memoryview but its owner declares 2",
        ),
        (DECL[:4] + (array("max_steps", "worlds"), DECL[5]), "'max_steps' is a scalar .* gives it dims"),
    ],
)
def test_a_declaration_that_disagrees_with_the_signature_stops_the_build(decl, message):
    with pytest.raises(SystemExit, match=message):
        declare(arguments(SIG, "m.pyx:k"), decl, "m.pyx:k", "its owner")


def test_every_kernel_is_declared_and_every_declaration_names_a_kernel(tmp_path):
    pyx = tmp_path / "m.pyx"
    pyx.write_text(f'cdef int k({SIG}) except -1:\n    return 0\n\ninclude "m_steps.pxi"\n')
    with pytest.raises(
        SystemExit, match="m.pyx:k: a kernel with no declaration of its arguments in owner.py"
    ):
        generate(tmp_path, {}, "owner.py")
    with pytest.raises(SystemExit, match=r"owner.py: declares \['j'\], which .*m.pyx does not define"):
        generate(tmp_path, {"m": {"k": DECL, "j": DECL}}, "owner.py")
    with pytest.raises(SystemExit, match=r"owner.py: declares kernels of \['n.pyx'\]"):
        generate(tmp_path, {"m": {"k": DECL}, "n": {"k": DECL}}, "owner.py")
    assert generate(tmp_path, {"m": {"k": DECL}}, "owner.py") == [tmp_path / "m_steps.pxi"]
    assert "_arg('t_cost', 'int32', 'groups', NUM_CODES)," in (tmp_path / "m_steps.pxi").read_text()


def test_every_kernel_table_is_generated_from_its_declaration():
    """The compiled binding table of every kernel (what `bind` checks and binds by name) lists the
    arrays with the signature's dtypes and the declaration's dims, then its scalars, in the
    signature's order; `KERNELS` holds every kernel of the module."""
    seen = 0
    for pyx, module, kernels in kernel_modules():
        assert set(module.KERNELS) == {name for name, _ in kernels}, pyx.name
        for name, params in kernels:
            kernel = module.KERNELS[name]
            assert kernel.name == name
            arrays = [p for p in params if p.is_array]
            assert [(a.name, a.dtype, a.dims) for a in kernel.args] == [
                (
                    p.name,
                    np.dtype(p.dtype),
                    tuple(getattr(constants, d) if isinstance(d, str) and d.isupper() else d for d in p.dims),
                )
                for p in arrays
            ], f"{pyx.name}:{name}"
            assert list(kernel.scalars) == [p.name for p in params if not p.is_array]
            seen += 1
    assert seen >= 20


def test_each_system_declares_the_kernel_of_its_name_and_each_kernel_belongs_to_a_system():
    for m in MECHANICS:
        for s in m.systems:
            if s.kernel is None:
                assert not s.args, f"{m.name}.{s.name}: a Python system declares no kernel arguments"
                continue
            found = dict(signatures(ROOT / "game/mechanics" / m.name / f"{s.kernel}.pyx"))
            assert s.name in found, f"{m.name}/{s.kernel}.pyx has no kernel {s.name!r}"
            assert [p.name for p in found[s.name]] == [a.name for a in s.args]


def test_one_name_one_shape_across_kernels():
    """The same argument name means the same array everywhere, so its dtype and dims agree across
    all kernels."""
    meaning: dict[str, tuple] = {}
    for pyx, _, kernels in kernel_modules():
        for kernel, params in kernels:
            for p in params:
                if p.is_array:
                    where = f"{pyx.name}:{kernel}"
                    first = meaning.setdefault(p.name, (p.dtype, p.dims, where))
                    assert (p.dtype, p.dims) == first[:2], (
                        f"'{p.name}' is {p.dtype} {p.dims} in {where}, {first[0]} {first[1]} in {first[2]}"
                    )
    assert {"grid", "intent", "position_r", "agent_orientation", "stats"} <= set(meaning)


def test_generated_files_are_up_to_date():
    """The .pxi files the build wrote are what stepgen makes of today's signatures and declarations."""
    for pyx, _, kernels in kernel_modules():
        built = pyx.parent / f"{pyx.stem}_steps.pxi"
        assert built.read_text() == render(pyx.name, kernels), f"{built.name} is stale: run make build"
    assert stepgen.HEADER.startswith("# generated")
