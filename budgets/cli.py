"""`flask budgets import FILE.xlsx` and `flask budgets sources`."""
import click
from flask.cli import with_appcontext

from core.audit import acting_as
from core.extensions import db
from core.uow import transaction


@click.group("budgets")
def budgets_cli():
    """Funding plans, disbursements and expenditures."""


@budgets_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def budgets_import(file):
    """Import funding lines from FILE.xlsx (project, source, year, amount, note): all rows or
    none."""
    from budgets.importer import ImportFailed, import_file

    try:
        with acting_as("system"), transaction():
            created = import_file(file)
    except ImportFailed as exc:
        raise click.ClickException(str(exc))
    click.echo(f"{len(created)} funding lines imported")


@budgets_cli.command("sources")
@with_appcontext
def budgets_sources():
    """List the funding sources (code, name)."""
    from sqlalchemy import select

    from budgets.models import FundingSource
    for source in db.session.scalars(select(FundingSource).order_by(FundingSource.position)):
        click.echo(f"{source.id}\t{source.code}\t{source.name}")
