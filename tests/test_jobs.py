"""Background jobs (issue 15): long work runs on the queue, never in the request. Immediate mode
(the default in tests), a real `flask jobs worker` on the SQLite queue, and the same worker on
Redis when one is reachable."""
import os
import socket
import subprocess
import sys
import time

import pytest

from test_guard import SMS, SMS_AGAIN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _job_row(app, job_id):
    from core.extensions import db
    from core.jobs import Job
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge_all()
        return job


def test_the_scan_runs_as_a_job_and_the_page_reads_its_pairs(web, app, make_project):
    make_project(status="in_operation", **SMS)
    make_project(**SMS_AGAIN)
    office = web.as_user("office")
    started = office.post("/duplicates/scan")
    assert started.status_code == 302 and "/jobs/" in started.location
    status = office.get(started.location + ".json").get_json()
    assert status["done"] and "1 suspected pairs" in status["message"]
    page = office.get("/duplicates/").get_data(as_text=True)
    assert 'data-a="TC-2013-101" data-b="TC-2013-102"' in page
    assert 'data-total="1"' in page  # the badge counts the stored pairs
    # the auditor reads the pairs but starts no scan
    assert web.as_user("auditor").post("/duplicates/scan").status_code in (302, 403)


def test_a_job_page_is_its_starters_only(web, app, make_project):
    make_project(status="in_operation", **SMS)
    started = web.as_user("office").post("/risk/refresh")
    assert started.status_code == 302
    assert web.as_user("office").get(started.location).status_code == 200
    assert web.as_user("auditor").get(started.location + ".json").status_code == 404


def test_a_failing_job_says_why(app, ctx):
    from core import jobs

    @jobs.job("test_failing")
    def failing(job_id):
        raise ValueError("no such thing")

    job = jobs.enqueue("test_failing", {}, "office")
    row = _job_row(app, job.id)
    assert row.status == jobs.FAILED and "no such thing" in row.message


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def _run_with_worker(app, env_extra, queue):
    """Enqueue a workbook job with immediate mode off and a real `flask jobs worker` process
    consuming `queue`; returns the job row once done (or the last row after 90 s)."""
    from core import jobs
    saved, saved_immediate = jobs.huey, jobs.huey.immediate
    jobs.use_queue(queue)
    queue.immediate = False
    env = dict(os.environ, FLASK_APP="app.py", PLANGUARD_ENV="testing", **env_extra)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with app.test_request_context():
            job_id = jobs.enqueue("compliance_workbook", {}, "auditor").id
        deadline = time.time() + 90
        row = _job_row(app, job_id)
        while row.status not in (jobs.DONE, jobs.FAILED) and time.time() < deadline:
            time.sleep(0.3)
            row = _job_row(app, job_id)
        return row
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
        jobs.use_queue(saved)
        saved.immediate = saved_immediate
        print(output[-2000:])


def test_a_real_worker_on_the_sqlite_queue(app, make_project):
    from huey import SqliteHuey

    from core import jobs
    make_project(status="in_construction")
    path = os.path.join(os.environ["PLANGUARD_INSTANCE"], "jobs.db")
    assert not os.environ.get("JOBS_URL") and not os.environ.get("REDIS_URL")
    row = _run_with_worker(app, {}, SqliteHuey("planguard", filename=path))
    assert row.status == jobs.DONE, row.message
    assert row.result_path and os.path.getsize(row.result_path) > 1000


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_a_real_worker_on_redis(app, make_project):
    from huey import RedisHuey

    from core import jobs
    make_project(status="in_construction")
    url = "redis://127.0.0.1:6379/15"
    queue = RedisHuey("planguard", url=url)
    queue.flush()
    row = _run_with_worker(app, {"JOBS_URL": url}, queue)
    assert row.status == jobs.DONE, row.message
    assert row.result_path and os.path.getsize(row.result_path) > 1000
