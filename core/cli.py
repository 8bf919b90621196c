"""`flask setup` (DESIGN §7): schema, roles, then the steps the packages registered
(`core.registry`, "setup": plan, departments, funding sources), then the admin user."""
import contextlib

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_migrate import upgrade

from config import DEFAULT_ADMIN_PASSWORD
from core import registry
from core.audit import acting_as
from core.errors import DomainError
from core.extensions import db
from core.security import sync_roles_and_permissions
from core.uow import transaction
from core.users import create_user


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or upgrade the schema, sync roles and permissions, load the plan and the
    departments, create the admin user if missing. Safe to run on every start."""
    upgrade()
    counts = sync_roles_and_permissions(current_app.appbuilder)
    with acting_as("system"), transaction():
        lines = [step() for step in registry.hooks("setup")]
    click.echo(f"roles: {counts}")
    for line in lines:
        click.echo(line)
    username = current_app.config["ADMIN_USER"]
    if current_app.appbuilder.sm.find_user(username=username) is None:
        password = current_app.config["ADMIN_PASSWORD"]
        # DESIGN §7: development's default admin/admin (production refuses it at start).
        development_default = current_app.config["PLANGUARD_ENV"] == "development" \
            and password == DEFAULT_ADMIN_PASSWORD
        with usage_errors():
            create_user(username, password, "Admin", check_password=not development_default)
        click.echo(f"admin user created: {username}")


@contextlib.contextmanager
def usage_errors():
    """One transaction with messages in English (the operator's console, as click's own): a
    DomainError rolls it back and becomes a click usage error naming the option at fault."""
    with force_locale("en"):
        try:
            with transaction():
                yield
        except DomainError as exc:
            if not exc.errors:
                raise click.ClickException(str(exc)) from exc
            field, messages = next(iter(exc.errors.items()))
            raise click.BadParameter(" ".join(messages), param_hint=f"--{field}") from exc


@click.group("audit")
def audit_cli():
    """The audit trail."""


@audit_cli.command("verify")
@with_appcontext
def audit_verify():
    """Walk the audit trail's hash chain: exit 0 when intact, 1 naming the first broken event."""
    from core.auditchain import verify

    result = verify(db.session.connection())
    db.session.rollback()
    if result["ok"]:
        click.echo(f"audit trail intact: {result['events']} events, head {result['head']}")
        return
    broken = result["broken"]
    click.echo(f"audit trail BROKEN at event id={broken['id']} seq={broken['seq']}: "
               f"{broken['reason']} ({result['events']} events intact before it)", err=True)
    raise SystemExit(1)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target):
    """Copy the database to TARGET while the app runs: SQLite's online backup for the default
    database (a consistent copy, writers wait only for each page step); for PostgreSQL use
    pg_dump -Fc (see the README)."""
    import sqlite3

    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException("PostgreSQL: back up with pg_dump -Fc (README, Backup)")
    source = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            source.driver_connection.backup(copy)
    finally:
        source.close()
    click.echo(f"backup written: {target}")
