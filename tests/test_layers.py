"""The application's modules import in one direction only, and never in a cycle.

Views (and commands, template tags, middleware, the scenario writer) → the wizard → services and
exports → the record, what the policy requires, access and the audit log → the models → the
rules. A lower layer never imports a higher one, and no module hides an import inside a function
to dodge a cycle (docs/architecture.md).
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "incidents"

# Lowest first. A module may import its own layer or any lower one.
LAYERS = [
    {"incidents.rules"},
    {"incidents.models"},
    {
        "incidents.audit",
        "incidents.display",
        "incidents.redaction",
        "incidents.digest",
        "incidents.keys",
        "incidents.pagination",
        "incidents.http",
        "incidents.taskqueue",
    },
    {"incidents.record", "incidents.access"},
    {
        "incidents.requirements",
        "incidents.queries",
        "incidents.stats",
        "incidents.charts",
        "incidents.chronology",
        "incidents.emails",
        "incidents.childfile",
    },
    {"incidents.forms"},
    {"incidents.services", "incidents.export", "incidents.reminders"},
    {"incidents.wizard"},
    {
        "incidents.views",
        "incidents.urls",
        "incidents.templatetags",
        "incidents.management",
        "incidents.middleware",
        "incidents.security",
        "incidents.context_processors",
        "incidents.admin",
        "incidents.apps",
        "incidents.scenarios",
        "incidents",
    },
]


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    best = None
    for index, members in enumerate(LAYERS):
        for member in members:
            inside = module == member or module.startswith(member + ".")
            if inside and (best is None or len(member) > len(best[1])):
                best = (index, member)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def sources():
    for path in sorted(APP.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imports_of(tree: ast.AST, *, top_level_only: bool) -> list[tuple[str, int]]:
    found = []
    nodes = tree.body if top_level_only else ast.walk(tree)  # type: ignore[attr-defined]
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("incidents"):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(n, node.lineno) for n in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("incidents")]
    return found


def resolve(name: str, modules: set[str]) -> str:
    """``incidents.record.load`` → ``incidents.record``: the longest name that is a module."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def test_it_imports_only_downward():
    modules = {module_name(p) for p in sources()}
    wrong = []
    for path in sources():
        here = module_name(path)
        tree = ast.parse(path.read_text())
        for name, line in imports_of(tree, top_level_only=False):
            target = resolve(name, modules)
            if target == here or target.startswith(here + "."):
                continue
            if layer_of(target) > layer_of(here):
                wrong.append(f"{path.relative_to(APP.parent)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_it_has_no_import_inside_a_function():
    hidden = []
    for path in sources():
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                hidden.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert not hidden, "imports inside functions or blocks:\n" + "\n".join(hidden)


@pytest.mark.parametrize("path", list(sources()), ids=lambda p: module_name(p))
def test_every_module_is_in_a_layer(path):
    layer_of(module_name(path))
