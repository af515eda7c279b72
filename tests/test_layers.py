"""The layers import only downward, with no cycles, and the web layer never loads Whoosh."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "newsearch"
# Lower layers may not import higher ones (module-level imports).
LAYERS = [
    {"facets", "analysis", "results", "config", "dates", "sources", "entities", "documents", "textlayout",
     "nereval", "querylang", "highlight", "engine", "model", "resolve", "copies", "stories", "language", "formats"},
    {"schema", "store", "indexer"},
    {"columns", "postings", "vocabulary", "executor", "generation", "groups", "search", "sphinx", "research"},
    {"web", "cli", "serve"},
]


def module_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                target = ".".join([*base, node.module] if node.module else base)
                found.add(target or (node.names[0].name if node.names else ""))
        graph[name] = found
    return graph


def layer(module: str) -> int:
    top = module.split(".")[0]
    return next((i for i, names in enumerate(LAYERS) if top in names), -1)


def test_every_module_has_a_layer_and_imports_only_downward() -> None:
    for module, targets in module_imports().items():
        if module == "__init__":
            continue
        assert layer(module) >= 0, f"{module} has no layer"
        for target in targets:
            assert layer(target) <= layer(module), f"{module} imports {target} from a higher layer"


def test_there_is_no_import_cycle() -> None:
    imports = module_imports()
    graph = {m: {t for t in ts if t in imports} for m, ts in imports.items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in path, " -> ".join([*path, node])
        if node in done:
            return
        for nxt in graph.get(node, ()):
            visit(nxt, [*path, node])
        done.add(node)

    for module in graph:
        visit(module, [])


def test_the_web_layer_never_loads_whoosh() -> None:
    code = ("import sys, newsearch.web, newsearch.web.api, newsearch.web.pages, newsearch.web.data, "
            "newsearch.web.errors, newsearch.web.openapi, newsearch.web.view; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'whoosh'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
