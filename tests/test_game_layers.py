"""game/ is layered the way a level travels: every module imports only its own stage and earlier
ones, at the top of the file, so there is no import circle and none dodged by a local import."""

import ast
from pathlib import Path

GAME = Path(__file__).resolve().parent.parent / "game"
# the order of the stages; a module may import game modules of its own rank or lower
# mechanics: the mechanics' declarations, which rules derives its tables from (plain data, so they
# share the rank); their numpy prototypes (game/mechanics/*/reference_*.py) use rules and state, so
# they rank beside systems
RANK = {
    "errors": 0,
    "mechanics": 1,
    "rules": 1,
    "maps": 2,
    "load": 3,
    "state": 4,
    "systems": 5,
    "env": 6,
    "tools": 7,
    "adapters": 7,
    "__init__": 8,
    "__main__": 8,
    "mechanics.reference": 5,
}
# imports that may stay inside a function, and why
LOCAL_OK = {("game/__init__.py", "game.env.gridenv")}  # `import game` loads no compiled kernel


def modules():
    for path in sorted(GAME.rglob("*.py")):
        rel = path.relative_to(GAME.parent)
        parts = rel.with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, rel.as_posix(), ast.parse(path.read_text())


def game_imports(node):
    """(module imported, line) for each `import game.x` / `from game.x import y` under node."""
    for n in ast.walk(node):
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0 and n.module.split(".")[0] == "game":
            for alias in n.names:  # `from game.rules import limits` imports game.rules.limits
                sub = f"{n.module}.{alias.name}"
                yield (
                    (sub if (GAME.parent / sub.replace(".", "/")).with_suffix(".py").exists() else n.module),
                    n.lineno,
                )
        elif isinstance(n, ast.Import):
            for alias in n.names:
                if alias.name.split(".")[0] == "game":
                    yield alias.name, n.lineno


def stage(module: str) -> str:
    parts = module.split(".")
    if parts[1:2] == ["mechanics"] and parts[-1].startswith("reference_"):
        return "mechanics.reference"
    return parts[1] if len(parts) > 1 else "__init__"


def top_level_graph():
    graph = {}
    for name, rel, tree in modules():
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        graph[name] = {m for node in top for m, _ in game_imports(node) if m != name}
    for pyx in GAME.rglob("*.pyx"):  # a compiled kernel imports no Python module of the game
        graph[".".join(pyx.relative_to(GAME.parent).with_suffix("").parts)] = set()
    return graph


def test_every_game_module_belongs_to_a_stage():
    for name, rel, _ in modules():
        assert stage(name) in RANK, f"{rel}: stage {stage(name)!r} has no rank in this test; add it to RANK"


def test_imports_go_only_to_earlier_stages():
    bad = []
    for name, deps in top_level_graph().items():
        for d in deps:
            if RANK[stage(d)] > RANK[stage(name)]:
                bad.append(f"{name} imports {d} (stage {stage(d)} comes after {stage(name)})")
    assert not bad, "\n".join(bad)


def find_cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every circle a depth-first walk of `graph` (module -> modules it imports) closes."""
    state, cycles = {}, []

    def visit(n, path):
        state[n] = "open"
        for d in sorted(graph.get(n, ())):
            if state.get(d) == "open":
                cycles.append(" -> ".join(path[path.index(d) :] + [d]))
            elif d not in state:
                visit(d, path + [d])
        state[n] = "done"

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    return cycles


def test_no_import_circle():
    graph = top_level_graph()
    # `from game.maps import ascii` names the package; the edge goes to the module it loads
    assert all(d in graph for deps in graph.values() for d in deps), "an import names no module of game/"
    cycles = find_cycles(graph)
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_no_game_import_inside_a_function():
    found = []
    for name, rel, tree in modules():
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for m, line in game_imports(fn):
                    if (rel, m) not in LOCAL_OK:
                        found.append(f"{rel}:{line} imports {m} inside {fn.name}()")
    assert not found, "\n".join(found)


def test_the_checks_see_a_circle_and_a_local_import():
    """The walkers above find what they look for (a test of the test's own machinery)."""
    tree = ast.parse("def f():\n    from game.maps.make import make_layout\n")
    assert [m for m, _ in game_imports(tree)] == ["game.maps.make"]
    tree = ast.parse("from game.rules import limits\nimport game.errors\n")
    assert [m for m, _ in game_imports(tree)] == ["game.rules.limits", "game.errors"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a -> b -> c -> a"]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
