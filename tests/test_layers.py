"""The package's folders are its layers, and a layer imports only from the layers beneath it.

    infra  <  models  <  services  <  exporters  <  web  <  live  <  the app (create_app, cli, wsgi)

So the domain (models, services) never reaches for a view, a socket or a document, and
infrastructure knows nothing of workshops. The live layer sits on the web layer: it pushes the
very fragments the pages include (rendered by the views' functions), and hears of changes by
subscribing to services.announcements, so no view imports it. Imports inside functions count too: a lazy import
is still a dependency. Module-level imports must also form no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "facilitator"
ORDER = ["infra", "models", "services", "exporters", "web", "live", "app"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in {"cli", "wsgi", "__main__"}:
        return "app"
    return parts[1] if parts[1] in ORDER else "app"


def imports(path: Path, module: str, top_level_only: bool = False) -> set[str]:
    """The facilitator modules ``path`` imports (``from facilitator.web import auth`` names
    facilitator.web.auth when that is a module, else facilitator.web)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "facilitator"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "facilitator":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    found.discard(module)
    return found


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def test_the_package_has_the_layers_as_folders():
    assert {"infra", "live", "web", "services", "exporters"} <= {p.name for p in PACKAGE.iterdir() if p.is_dir()}
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "cli.py", "models.py", "wsgi.py"], loose


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_layer_imports_only_from_beneath_it(module):
    own = ORDER.index(layer_of(module))
    upward = sorted((module, target) for target in imports(MODULES[module], module)
                    if ORDER.index(layer_of(target)) > own)
    assert not upward, f"{layer_of(module)} must not import a higher layer: {upward}"


def test_module_level_imports_form_no_cycle():
    # A module importing its own package is no cycle: Python runs the package first anyway (a
    # blueprint package's __init__ imports its route modules, which take ``bp`` from it).
    graph = {m: {t for t in imports(p, m, top_level_only=True) if t in MODULES and not m.startswith(t + ".")}
             for m, p in MODULES.items()}
    done, on_path = set(), []

    def visit(module):
        if module in on_path:
            cycle = on_path[on_path.index(module):] + [module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        on_path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        on_path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_rule_sees_an_upward_import(tmp_path):
    """The checker itself: a service importing a view is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from facilitator.web.participant import bp\n")
    found = imports(bad, "facilitator.services.bad")
    assert "facilitator.web.participant" in found
    assert ORDER.index(layer_of("facilitator.web.participant")) > ORDER.index(layer_of("facilitator.services.bad"))


def test_templates_show_rules_decided_in_python():
    """Who may see the results, and a round's seconds left, are decided once in Python
    (services.workshops.results_public, services.rounds.seconds_left); a template only shows
    the answer. The console's settings form may still name the settings it edits."""
    templates = Path(__file__).resolve().parents[1] / "templates"
    deciding = []
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(templates).as_posix()
        if name != "host/workshop.html" and ("results_published" in text or "results_private" in text):
            deciding.append(f"{name}: results visibility")
        if "ends_at -" in text or "total_seconds" in text:
            deciding.append(f"{name}: time left")
    assert not deciding, deciding
