"""`flask plan load [FILE]` and `flask users create` (users belong to departments)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit import acting_as
from core.cli import usage_errors
from core.security import ROLES
from core.uow import transaction


@click.group("plan")
def plan_cli():
    """The plan tree."""


@plan_cli.command("load")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def plan_load(file):
    """Load or update the plan tree from FILE (default: the Tacheng plan in data/)."""
    from plan.services import load_plan

    with acting_as("system"), transaction():
        result = load_plan(file or current_app.config["PLAN_FILE"])
    click.echo(f"plan tasks per section: {result['sections']}; changed rows: {result['changed']}")


@click.group("users")
def users_cli():
    """Manage users."""


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", "role_name", required=True, type=click.Choice(ROLES))
@click.option("--department", default=None, help="department code or name")
@with_appcontext
def users_create(username, password, role_name, department):
    """Create a user with a role (and a department for a ProjectManager)."""
    from plan.services import add_user

    with usage_errors():
        add_user(username, password, role_name, department)
    click.echo(f"user {username} ({role_name}) created")
