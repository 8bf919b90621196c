"""`flask risk refresh`: re-evaluate the system-raised risks and record changed ratings."""
import contextlib
import datetime as dt
import time

import click
from flask.cli import with_appcontext

from core import clock
from core.audit import acting_as
from core.uow import transaction


@click.group("risk")
def risk_cli():
    """Risk register and rating."""


@risk_cli.command("refresh")
@click.option("--on", "on", default=None, help="evaluate as of this day (YYYY-MM-DD)")
@with_appcontext
def risk_refresh(on):
    """Raise, update and close the system-raised risks of every project, then record the
    computed ratings that changed. Idempotent: run it nightly."""
    from risk import costs, rating, system

    day = dt.date.fromisoformat(on) if on else None
    started = time.perf_counter()
    as_of = clock.frozen(day) if day else contextlib.nullcontext()
    with acting_as("system"), as_of, transaction():  # the commit hook evaluates as of `day` too
        totals = system.refresh_all(day)
        recorded = rating.record_all(day)
    click.echo(f"projects evaluated: {totals['projects']}; risks raised: {totals['raised']}, "
               f"updated: {totals['updated']}, closed: {totals['closed']}; "
               f"ratings recorded: {recorded} ({time.perf_counter() - started:.1f} s)")
    if not costs.cost_rule_active():
        click.echo("cost rule inactive: no cost_variance provider is registered (budgets)")
