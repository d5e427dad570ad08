"""The package's layering: no two modules import each other, even lazily or for types."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "skipcheck"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package that ``name`` imports anywhere (top level, functions,
    TYPE_CHECKING blocks)."""
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
    return {m for m in found if m in known and m != name}


def test_no_module_pair_imports_each_other() -> None:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    pairs = sorted(
        {tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, ())}
    )
    assert pairs == []


def test_ops_do_not_depend_on_the_engine() -> None:
    modules = _modules()
    known = set(modules)
    for name, path in modules.items():
        if name.startswith("skipcheck.ops"):
            assert "skipcheck.engine.propagate" not in _imports(name, path, known), name


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
