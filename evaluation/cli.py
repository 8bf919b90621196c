"""`flask evaluation import-training FILE.xlsx` and `flask evaluation scorecard --out FILE`."""
import time

import click
from flask.cli import with_appcontext

from core.audit import acting_as
from core.uow import transaction


@click.group("evaluation")
def evaluation_cli():
    """The plan's evaluation cycle: training register and performance scorecard."""


@evaluation_cli.command("import-training")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_training(path):
    """Import training courses from xlsx (department, held_on, subject, hours, attendees,
    passed, note): all rows or none."""
    from evaluation import training
    try:
        with acting_as("office"), transaction():
            created = training.import_file(path)
    except training.ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"training courses imported: {len(created)}")


@evaluation_cli.command("scorecard")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--year", type=int, default=None, help="one year (default: every year with figures)")
@with_appcontext
def scorecard_command(out, year):
    """Write the performance scorecard (a row per department and year) as xlsx."""
    from evaluation import scorecard
    started = time.perf_counter()
    years = [year] if year else scorecard.years_with_figures()
    cards = [c for y in years for c in scorecard.cards_for_year(y)]
    scorecard.write_cards(out, cards, ", ".join(str(y) for y in years))
    click.echo(f"cards: {len(cards)} for years {years} ({time.perf_counter() - started:.1f} s)")
