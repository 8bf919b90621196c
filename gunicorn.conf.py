"""gunicorn settings of `make run` (and of bench/load.py): loopback, the worker model chosen by
measurement (bench/load.py, see README), and the background-job worker started beside the web
workers so that `make run` needs no other server (JOBS_WORKER=0 leaves it to the operator, e.g.
a separate `flask jobs worker` service in production)."""
import os
import subprocess
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
# Measured on this 2-core machine at 20,000 projects (bench/load.py, 32 connections, SQLite):
# sync:3 kept p99 at 8.7 s where gthread:2:4 stalled to 35 s (threads of one process share
# the GIL and SQLite's write lock); re-measure with `bench/load.py --model ...` on real hardware.
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_WORKERS", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG= (empty): none

_job_worker = None


def on_starting(server):
    """Start `flask jobs worker` beside the web workers (its own process, its own app)."""
    global _job_worker
    if os.environ.get("JOBS_WORKER", "1") == "0":
        return
    here = os.path.dirname(os.path.abspath(__file__))
    _job_worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker"], cwd=here,
                                   env=dict(os.environ, FLASK_APP="app.py"))
    server.log.info("job worker started (pid %s)", _job_worker.pid)


def on_exit(server):
    if _job_worker is not None and _job_worker.poll() is None:
        _job_worker.terminate()
        try:
            _job_worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _job_worker.kill()
