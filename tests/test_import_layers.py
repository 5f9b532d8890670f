"""Imports run one way: blueprints -> services and reminders -> models, and no blueprint imports
another. A module that breaks the direction fails here with the import that does it."""

import ast
from pathlib import Path

import pytest

import recovery

ROOT = Path(recovery.__file__).parent
BLUEPRINTS = {"account", "api", "auth", "clinic", "links", "patient", "staff", "texting"}
# The app factory registers the blueprints, and its error handlers answer /api in the API's format.
APP_LEVEL = {"recovery", "recovery.errors"}


def _imports() -> dict[str, set[str]]:
    """Each module of the package (migrations aside) -> the recovery modules it imports."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        parts = ("recovery",) + path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = parts[:-1]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
                target = ".".join(p for p in (base, node.module) if p)
                # `from x import y`: y may be a module of x or a name in it; both are counted.
                targets |= {f"{target}.{a.name}" for a in node.names} | ({target} if target != base else set())
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        found[module] = {t for t in targets if t == "recovery" or t.startswith("recovery.")}
    return found


def _area(module: str) -> str:
    """The first part below `recovery` (a blueprint, services, models...); "" for the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


IMPORTS = _imports()
EDGES = sorted((m, t) for m, targets in IMPORTS.items() for t in targets)


@pytest.mark.no_test_database
def test_the_scan_sees_the_package():
    assert {"recovery.services.checkins", "recovery.patient.views", "recovery.charts"} <= set(IMPORTS)
    assert "recovery.services.checkins" in IMPORTS["recovery.patient.views"]


@pytest.mark.no_test_database
def test_no_blueprint_imports_another():
    crossing = [(m, t) for m, t in EDGES
                if _area(m) in BLUEPRINTS and _area(t) in BLUEPRINTS and _area(m) != _area(t)]
    assert crossing == []


@pytest.mark.no_test_database
def test_only_the_app_factory_imports_blueprints():
    upward = [(m, t) for m, t in EDGES
              if _area(t) in BLUEPRINTS and _area(m) not in BLUEPRINTS and m not in APP_LEVEL]
    assert upward == []


@pytest.mark.no_test_database
def test_models_import_neither_services_nor_reminders():
    upward = [(m, t) for m, t in EDGES
              if _area(m) == "models" and _area(t) in {"services", "reminders"} | BLUEPRINTS]
    assert upward == []


@pytest.mark.no_test_database
def test_statistics_do_not_import_the_charts_that_draw_them():
    drawing = [(m, t) for m, t in EDGES
               if m in {"recovery.bands", "recovery.services.cohort"} and _area(t) in {"charts", "svg_chart"}]
    assert drawing == []


@pytest.mark.no_test_database
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_blueprint_has_one_shape(name):
    """The package's __init__.py creates `bp`; an audience with pages of its own has one layout,
    templates/<name>/layout.html, which scopes its CSS with the body class <name>."""
    import importlib

    package = importlib.import_module(f"recovery.{name}")
    assert package.bp.import_name == f"recovery.{name}"  # made in the package itself
    assert not (ROOT / name / "blueprint.py").exists()
    layouts = {p.name for p in (ROOT / "templates" / name).glob("*.html")
               if "layout" in p.name or p.name.startswith("base")}
    if name in {"clinic", "patient", "staff"}:
        assert layouts == {"layout.html"}
        layout = (ROOT / "templates" / name / "layout.html").read_text()
        assert "{% block body_class %}" + name + "{% endblock %}" in layout
    else:
        assert layouts == set()


@pytest.mark.no_test_database
def test_the_reminder_engine_calls_no_clinical_service():
    """Services call the engine after their writes (outbox.sync); the scheduler's job
    (recovery/jobs.py) runs the clinical checks and then the engine. The engine itself never
    reaches into services: the set-password links it mails (and their short codes) live below
    both (recovery/set_password_links.py, recovery/short_codes.py)."""
    reached = sorted((m, t) for m, t in EDGES if _area(m) == "reminders" and _area(t) == "services")
    assert reached == []
