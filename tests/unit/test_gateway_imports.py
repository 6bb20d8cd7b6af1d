"""The gateway's modules import each other without a circle (type-only imports aside), and nothing of a
feature: it reaches features only through the registry's seam (``livecore.features`` base, set, registry)."""

from __future__ import annotations

import ast
from pathlib import Path

import livecore

ROOT = Path(livecore.__file__).resolve().parent
GATEWAY = ROOT / "gateway"
SEAM = {"livecore.features", "livecore.features.base", "livecore.features.gateway_set", "livecore.features.registry"}


def _runtime_imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text())
    package = "livecore." + ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    name = f"{base}.{node.module}" if node.module else base
                else:
                    name = node.module or ""
                found.add(name)
                found.update(f"{name}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    visit([n for n in inner if isinstance(n, ast.stmt)] + [
                        s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body])

    visit(tree.body)
    return found


def _gateway_graph() -> dict[str, set[str]]:
    modules = {f"livecore.gateway.{p.stem}": p for p in GATEWAY.glob("*.py") if p.stem != "__init__"}
    return {name: {m for m in _runtime_imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_gateway_modules_import_each_other_without_a_circle() -> None:
    graph = _gateway_graph()
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import circle: " + " -> ".join([*path[path.index(node):], node]))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            walk(nxt, [*path, node])
        done.add(node)

    for start in sorted(graph):
        walk(start, [])
    assert "livecore.gateway.server" in graph["livecore.gateway.cli"]  # the graph is read, not empty


def test_the_gateway_imports_nothing_of_a_feature() -> None:
    for path in GATEWAY.glob("*.py"):
        for name in _runtime_imports(path):
            assert not name.startswith("livecore.commerce"), (path.name, name)
            if name.startswith("livecore.features"):
                assert name in SEAM or name.rsplit(".", 1)[0] in SEAM, (path.name, name)
