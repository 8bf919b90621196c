"""gunicorn settings of `make run` (and of bench/load.py): loopback, the worker model chosen by
measurement (bench/load.py, see README), and the background-job worker started beside the web
workers so that `make run` needs no other server (JOBS_WORKER=0 leaves it to the operator, e.g.
a separate `flask jobs worker` service in production)."""
import os
import subprocess
import sys

# One BLAS thread per worker: a request's products are small, the workers are the parallelism,
# and two workers' threads spinning on two cores made a duplicate check ~5x slower under load.
for _blas in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_blas, "1")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
# Measured on this 2-core machine at 20,000 projects (bench/load.py, 32 connections, SQLite,
# the full mix of list, project, duplicate check and write): sync:2 117 req/s, sync:3 113; the
# list alone p99 252 ms with sync:2, 360 with sync:3, 351 with sync:4. Requests are CPU-bound,
# so one sync worker per core; earlier gthread:2:4 stalled to 35 s (one GIL, SQLite's write
# lock). Re-measure with `bench/load.py --model ...` on real hardware.
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 2)
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


def post_worker_init(worker):
    from projects.guard.learned import warm_served_worker
    warm_served_worker(worker.wsgi)  # worker.wsgi: the app create_app() made


def on_exit(server):
    if _job_worker is not None and _job_worker.poll() is None:
        _job_worker.terminate()
        try:
            _job_worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _job_worker.kill()
