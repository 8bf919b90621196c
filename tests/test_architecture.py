"""The layout holds: every view and API over a scoped model reads through its scope (a new
view cannot forget department scoping), and no import runs upward or in a circle
(import-linter contracts in .importlinter)."""
from core import scoping

# A shared information resource is public to every department (DESIGN §2 DataItem).
UNSCOPED_ON_PURPOSE = {"DataCatalogueView"}


def test_every_view_and_api_over_a_scoped_model_filters_by_its_scope(app):
    checked = 0
    with app.app_context():
        for view in app.appbuilder.baseviews:
            datamodel = getattr(view, "datamodel", None)
            if datamodel is None or scoping.scope_of(datamodel.obj) is None:
                continue
            if type(view).__name__ in UNSCOPED_ON_PURPOSE:
                continue
            filters = [type(f) for f in view._base_filters.filters]
            assert scoping.Visible in filters, type(view).__name__
            checked += 1
    assert checked >= 20


def test_import_contracts_hold():
    """.importlinter: packages depend downwards, views/api/cli -> services -> models inside
    each, no lifecycle<->reviews cycle, the guard and the schedule independent."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], cwd=root, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
