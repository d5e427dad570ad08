"""The package's layering: folders are floors, and imports only run down.

Every import statement counts: at the top of a module, inside a function (lazy), under
``TYPE_CHECKING``. A module named in a string (``"skipcheck.report.full:FullReporter"``, a
registry that ``importlib`` reads when the name is chosen) counts for the floor order too;
a registry naming its own package's members is how each loads only when used
(tests/report/test_formats.py), so those names are no loop.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "skipcheck"

# Bottom to top. A module's floor is its folder under skipcheck/ (sub-folders belong to
# their folder: check/fixes/ is on check's floor); the modules at the top of the package
# (cli, launch, batch, inputs, atomic, apply, __init__, __main__) are the top floor, "app".
FLOORS = (
    "core",  # positions, the one error, the lowered graph, exit codes, the version
    "rules",  # one module per rule, and the findings they describe
    "shapes",  # the arithmetic ops stand on: periodic sizes, size sets, dims, the op API
    "ops",  # one module per op family
    "specfile",  # the YAML with positions and spans, expressions, overrides, lowering
    "engine",  # runs the ops: propagation, declared outputs, cost
    "check",  # check_spec and what it returns: config, result, valid sizes, proven fixes
    "torch",  # build, dry-run, export, import
    "report",  # the output formats
    "whatif",  # comparisons and sweeps, rendered with report's text
    "draw",  # SVG/HTML, laid out with report's layer table
    "app",  # the commands
)
_NAMED = re.compile(r"^(skipcheck(?:\.\w+)+)(?::\w+)?$")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, known: set[str], *, named: bool = True) -> set[str]:
    """Every module of the package that ``name`` imports anywhere (top level, functions,
    TYPE_CHECKING blocks) or names in a string (all of them, or with ``named=False`` only
    those outside its own package)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (match := _NAMED.match(node.value))
            and (named or not match.group(1).startswith(f"{package}."))
        ):
            found.add(match.group(1))
    return {m for m in found if m in known and m != name}


def _graph(*, named: bool = True) -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known, named=named) for name, path in modules.items()}


def floor_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in FLOORS) else "app"


def upward(graph: Mapping[str, set[str]]) -> list[str]:
    """Imports that run from a lower floor to a higher one."""
    rank = {floor: i for i, floor in enumerate(FLOORS)}
    return sorted(
        f"{a} → {b}"
        for a, targets in graph.items()
        for b in targets
        if rank[floor_of(b)] > rank[floor_of(a)]
    )


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan): every
    import loop, of any length, is inside one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        # recursive: the package's import chains are a few dozen deep at most
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_folder_is_a_floor() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(FLOORS) - {"app"}, "declare a new folder's floor in FLOORS"


def test_imports_only_run_down_the_floors() -> None:
    assert upward(_graph()) == []


def test_no_import_cycles_of_any_length() -> None:
    graph = _graph(named=False)
    assert cycles(graph) == []
    folders: dict[str, set[str]] = {}
    for a, targets in graph.items():
        folders.setdefault(floor_of(a), set()).update(floor_of(b) for b in targets)
    assert cycles({a: bs - {a} for a, bs in folders.items()}) == []


def test_the_checks_find_what_they_look_for() -> None:
    # a loop of three modules, a pair, and an import from the core up to the app
    graph = {
        "skipcheck.ops.a": {"skipcheck.engine.b"},
        "skipcheck.engine.b": {"skipcheck.check.c"},
        "skipcheck.check.c": {"skipcheck.ops.a"},
        "skipcheck.core.x": {"skipcheck.cli"},
        "skipcheck.cli": {"skipcheck.core.x"},
    }
    assert cycles(graph) == [
        ["skipcheck.check.c", "skipcheck.engine.b", "skipcheck.ops.a"],
        ["skipcheck.cli", "skipcheck.core.x"],
    ]
    assert upward(graph) == [
        "skipcheck.core.x → skipcheck.cli",
        "skipcheck.engine.b → skipcheck.check.c",
        "skipcheck.ops.a → skipcheck.engine.b",
    ]
    assert floor_of("skipcheck.check.fixes.edit") == "check"
    assert floor_of("skipcheck") == floor_of("skipcheck.batch") == "app"


def test_lazy_and_named_imports_count() -> None:
    known = set(_modules())
    report = _imports("skipcheck.report", PACKAGE / "report" / "__init__.py", known)
    assert "skipcheck.report.full" in report  # named in REPORTERS, imported by importlib
    members = _imports("skipcheck.report", PACKAGE / "report" / "__init__.py", known, named=False)
    assert "skipcheck.report.full" not in members
    package = _imports("skipcheck", PACKAGE / "__init__.py", known)
    assert "skipcheck.torch" in package  # `skipcheck.build`, imported on first use


def _file_writes(tree: ast.AST) -> list[int]:
    """Lines that write a file: open() for writing, Path.write_*, os.replace/rename,
    os.open with a write flag, tempfile."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = (
            func.value.id
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            else ""
        )
        mode = node.args[1] if len(node.args) > 1 else None
        mode = next((k.value for k in node.keywords if k.arg == "mode"), mode)
        modes = (
            [mode.value] if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else []
        )
        flags = ast.unparse(node)
        if (
            (
                name in ("open", "fdopen")
                and owner != "os"
                and any(set(m) & set("wax+") for m in modes)
            )
            or name in ("write_text", "write_bytes", "mkstemp", "NamedTemporaryFile")
            or (owner == "os" and name in ("replace", "rename", "link", "symlink"))
            or (
                owner == "os"
                and name == "open"
                and any(f in flags for f in ("WRONLY", "RDWR", "CREAT"))
            )
        ):
            lines.append(node.lineno)
    return lines


def test_every_file_write_goes_through_atomic() -> None:
    # issue 22, item 9: one writer, which never replaces a device or a FIFO
    writes = {
        str(path.relative_to(PACKAGE.parent)): found
        for path in PACKAGE.rglob("*.py")
        if (found := _file_writes(ast.parse(path.read_text())))
    }
    # boundary.py opens os.devnull to silence stdout after a failed write: no file written
    assert set(writes) == {"skipcheck/atomic.py", "skipcheck/core/boundary.py"}, writes
    assert len(writes["skipcheck/core/boundary.py"]) == 1
