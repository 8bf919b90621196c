"""`flask projects import FILE` and `flask demo seed`."""
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit import acting_as
from core.extensions import db
from core.uow import transaction


@click.group("projects")
def projects_cli():
    """Projects."""


@projects_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--create-departments", is_flag=True, help="create departments not yet known")
@click.option("--background", is_flag=True,
              help="queue it as a background job (`flask jobs worker` runs it), as the web "
                   "form and the API do for more than IMPORT_JOB_ROWS rows")
@with_appcontext
def projects_import(file, create_departments, background):
    """Import projects from FILE (.xlsx or .json): all rows or none."""
    from projects.importer import ImportFailed, import_projects

    try:
        with acting_as("system"), transaction():
            outcome = import_projects(file, None, create_departments, background=background)
    except ImportFailed as exc:
        raise click.ClickException(str(exc))
    if background:
        click.echo(f"job {outcome.id} queued ({outcome.params['rows']} rows): "
                   f"`flask jobs status` follows it")
    else:
        click.echo(f"{len(outcome)} projects imported")


@projects_cli.command("duplicates")
@click.option("--json", "as_json", is_flag=True, help="the DESIGN §7 JSON format")
@with_appcontext
def projects_duplicates(as_json):
    """Scan the portfolio for suspected duplicate construction."""
    import json

    from projects.guard.services import scan

    result = scan()
    if as_json:
        click.echo(json.dumps({"threshold": result["threshold"], "pairs": [
            {key: pair[key] for key in ("a", "b", "score", "reasons")}
            for pair in result["pairs"]]}, ensure_ascii=False, indent=1))
        return
    for pair in result["pairs"]:
        click.echo(f"{pair['score']:.3f}  {pair['a']}  {pair['b']}  {'; '.join(pair['reasons'])}")
    click.echo(f"{len(result['pairs'])} suspected pairs at or above {result['threshold']}")


@click.group("demo")
def demo_cli():
    """Demo data."""


@demo_cli.command("seed")
@click.option("--projects", "count", default=300, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=2012, show_default=True, type=int)
@click.option("--users/--no-users", default=True, help="create one demo user per role")
@click.option("--if-empty", is_flag=True, help="do nothing when projects exist already")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the day the demo's dates are relative to (default: today)")
@click.option("--planted-share", "share", default=None, type=click.FloatRange(0, 0.2),
              help="planted duplicate pairs per project, and as many planted hard negatives "
                   "[default: 0.03]")
@click.option("--planted-pairs", "planted_file", type=click.Path(dir_okay=False), default=None,
              help="write the planted pairs (and each project's system) to this JSON file")
@click.option("--scan", is_flag=True, help="queue the first portfolio scan of duplicates, so "
              "the suspected-pairs page is filled when the job worker has run it")
@with_appcontext
def demo_seed(count, seed, users, if_empty, as_of, share, planted_file, scan):
    """Add a reproducible demo portfolio (and demo users office, pm, auditor)."""
    import json
    from pathlib import Path

    from projects.demo import PLANTED_SHARE, seed_demo_users, seed_projects
    from projects.models import Project

    if if_empty and db.session.query(Project.id).first() is not None:
        click.echo("projects exist: demo seed skipped")
        return
    started = time.perf_counter()
    planted = {}
    with acting_as("system"):
        with transaction():
            added = seed_projects(count, seed, as_of=as_of.date() if as_of else None,
                                  share=PLANTED_SHARE if share is None else share,
                                  planted=planted)
        if planted_file:
            Path(planted_file).write_text(json.dumps(planted, ensure_ascii=False, indent=0),
                                          encoding="utf-8")
            click.echo(f"{len(planted['duplicates'])} planted duplicate pairs and "
                       f"{len(planted['hard_negatives'])} hard negatives written to "
                       f"{planted_file}")
        if current_app.config.get("GUARD_ENGINE") == "learned":
            from projects.guard.vectors import store_missing_vectors
            click.echo(f"{store_missing_vectors()} project vectors stored for the learned guard")
        if users:
            with transaction():
                lines = seed_demo_users()
            for line in lines:
                click.echo(line)
    click.echo(f"{added} demo projects added in {time.perf_counter() - started:.1f} s")
    if scan:
        from core import jobs
        job = jobs.enqueue("duplicate_scan", {}, "system")
        click.echo(f"portfolio scan queued (job {job.id}): `flask jobs status` follows it")


@projects_cli.command("guard-vectors")
@click.option("--batch", default=256, show_default=True, type=click.IntRange(1))
@with_appcontext
def projects_guard_vectors(batch):
    """Compute and store the learned guard's sentence vectors of every project lacking
    current ones (after a bulk load such as `flask demo seed`)."""
    from projects.guard.vectors import store_missing_vectors

    started = time.perf_counter()
    stored = store_missing_vectors(batch)
    click.echo(f"{stored} project vectors stored in {time.perf_counter() - started:.1f} s")


@projects_cli.command("train-guard")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="where to write the fitted model (default: data/guard_model.json)")
@click.option("--vector-cache", type=click.Path(dir_okay=False), default=None,
              help="an .npz file to reuse sentence vectors between runs")
def projects_train_guard(out, vector_cache):
    """Refit the duplicate guard's decision model from data/guard_corpus/ and print its
    precision, recall and average precision, cross-validated over system families."""
    import json
    from pathlib import Path

    from projects.guard import embedding, model, training

    if vector_cache:
        embedding.load_cache(vector_cache)
    fitted, report = training.train()
    if vector_cache:
        embedding.save_cache(vector_cache)
    model.save(fitted, Path(out) if out else model.MODEL_FILE)
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))
