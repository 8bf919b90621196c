"""`flask jobs worker`: the background-job consumer (core.jobs), and `flask jobs status`."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("jobs")
def jobs_cli():
    """Background jobs (the compliance workbook, the portfolio scan, risk refresh, imports)."""


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="threads running jobs at once")
@with_appcontext
def worker(workers):
    """Run jobs from the queue until stopped (`make run` starts one beside gunicorn)."""
    from huey.consumer import Consumer

    from core import jobs
    jobs.use_app(current_app._get_current_object())
    jobs.huey.immediate = False
    jobs.tasks()  # every job's name, before the first message arrives
    click.echo(f"job worker on {jobs.describe_queue()} ({workers} thread(s))")
    Consumer(jobs.huey, workers=workers, worker_type="thread", periodic=False,
             initial_delay=0.05, max_delay=1.0).run()


@jobs_cli.command("status")
@with_appcontext
def status():
    """The last background jobs and where the queue lives."""
    from sqlalchemy import select

    from core.extensions import db
    from core.jobs import Job, describe_queue
    click.echo(f"queue: {describe_queue()}")
    for job in db.session.scalars(select(Job).order_by(Job.created_at.desc()).limit(20)):
        click.echo(f"{job.created_at:%Y-%m-%d %H:%M:%S}  {job.kind:20s} {job.status:8s} "
                   f"{job.progress:3d}%  {job.created_by}  {job.message or ''}")
