"""The database handle shared by every app, and a fresh AppBuilder per app.

FAB's AppBuilder remembers the views it registered; one module-level instance reused by
several `create_app()` calls (tests) would register views only once, so each app gets its own.
"""
from flask import current_app
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate

db = get_sqla_class()()
migrate = Migrate()


def new_appbuilder() -> AppBuilder:
    return AppBuilder(update_perms=False)


def appbuilder() -> AppBuilder:
    """The AppBuilder of the current app."""
    return current_app.appbuilder
