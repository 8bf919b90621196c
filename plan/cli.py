"""`flask plan load [FILE]`."""
import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit import acting_as
from core.extensions import db


@click.group("plan")
def plan_cli():
    """The plan tree."""


@plan_cli.command("load")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def plan_load(file):
    """Load or update the plan tree from FILE (default: the Tacheng plan in data/)."""
    from plan.services import load_plan

    with acting_as("system"):
        result = load_plan(file or current_app.config["PLAN_FILE"])
        db.session.commit()
    click.echo(f"plan tasks per section: {result['sections']}; changed rows: {result['changed']}")
