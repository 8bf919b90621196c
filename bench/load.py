"""The REST API under load (DESIGN §8): gunicorn on 127.0.0.1 with a 20,000-project database,
32 keep-alive connections for a bounded time against the project list, one project, the
duplicate check and a write (a risk registered by the department's ProjectManager), with the
login page in the same run as the floor. Prints requests/s, p50, p99 and errors per endpoint
and the ratio of each p50 to the login page's.

    .venv/bin/python bench/load.py [--projects 20000] [--seconds 20] [--connections 32]
        [--model gthread:2:4 --model sync:4 ...]
A model is worker_class:workers[:threads]; several models run one after the other on the same
database (the worker model of `make run` was chosen this way). BENCH_DATABASE_URL measures on
PostgreSQL; BENCH_REUSE=1 keeps a portfolio already in that database. Loopback only.
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

from common import portfolio, scratch_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
# endpoint -> share of the requests
MIX = {"login page": 10, "list": 40, "project": 25, "duplicate check": 20, "write": 5}
PROPOSAL = {"code": "LOAD-2013-001", "name": "全市视频会议系统扩容", "department": "市公安局",
            "plan_task": "T1", "category": "network",
            "description": "扩容全市视频会议系统,新增乡镇会场,与现有视频会议平台对接。",
            "capabilities": ["视频会议"], "budget_total": "800000", "start_date": "2013-03-01",
            "end_date": "2014-03-01"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_for(port, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer")


def _cpu_seconds(parent: int) -> float:
    """CPU time used so far by the processes whose parent is `parent` (gunicorn's workers)."""
    total = 0.0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _wait_until_idle(parent: int, seconds=300) -> float:
    """Wait until the workers have finished warming (their guard index and neighbour lists,
    built in a thread after start): less than 0.1 s of CPU in a second. Returns the wait."""
    started = time.time()
    last = _cpu_seconds(parent)
    while time.time() - started < seconds:
        time.sleep(1)
        now = _cpu_seconds(parent)
        if now - last < 0.1:
            break
        last = now
    return time.time() - started


def _token(port, user):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("POST", "/api/v1/security/login", json.dumps(
        {"username": user, "password": user, "provider": "db"}),
        {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    return body["access_token"]


def _requests(ids, own_ids, tokens):
    """(endpoint, method, path, body, headers) for each kind of request."""
    office = {"Authorization": f"Bearer {tokens['office']}", "Content-Type": "application/json"}
    pm = {"Authorization": f"Bearer {tokens['pm']}", "Content-Type": "application/json"}
    rng = random.Random()

    def make(kind):
        if kind == "login page":
            return "GET", "/login/", None, {}
        if kind == "list":
            page = rng.randint(0, 50)
            query = f"(page:{page},page_size:20)"
            return "GET", f"/api/v1/project/?q={query}", None, office
        if kind == "project":
            return "GET", f"/api/v1/project/{rng.choice(ids)}", None, office
        if kind == "duplicate check":
            return "POST", "/api/v1/project/duplicate-check", json.dumps(PROPOSAL), office
        return "POST", "/api/v1/risk/", json.dumps({
            "project": rng.choice(own_ids), "category": "technical", "likelihood": 2,
            "impact": 2, "title": "load test"}), pm
    return make


def _client(port, make, stop, results, kinds):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    rng = random.Random()
    while not stop.is_set():
        kind = rng.choices(kinds, [MIX[k] for k in kinds])[0]
        method, path, body, headers = make(kind)
        started = time.perf_counter()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.read()
            ok = response.status < 400
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
        results.append((kind, (time.perf_counter() - started) * 1000, ok))


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_model(model, env, ids, own_ids, seconds, connections):
    parts = model.split(":")
    worker_class, workers = parts[0], parts[1] if len(parts) > 1 else "2"
    threads = parts[2] if len(parts) > 2 else "1"
    port = _free_port()
    server_env = dict(env, PORT=str(port), WEB_WORKER_CLASS=worker_class, WEB_WORKERS=workers,
                      WEB_THREADS=threads, JOBS_WORKER="0", ACCESS_LOG="")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                               "app:create_app()"], cwd=ROOT, env=server_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port)
        tokens = {user: _token(port, user) for user in ("office", "pm")}
        make = _requests(ids, own_ids, tokens)
        warm = http.client.HTTPConnection(HOST, port, timeout=120)
        for _ in range(4 * int(workers) * int(threads)):  # every worker builds its index
            for kind in MIX:
                method, path, body, headers = make(kind)
                warm.request(method, path, body, headers)
                warm.getresponse().read()
        print(f"\nworkers warm after {_wait_until_idle(server.pid):.0f} s more")
        results, stop = [], threading.Event()
        clients = [threading.Thread(target=_client, args=(port, make, stop, results, list(MIX)))
                   for _ in range(connections)]
        started = time.perf_counter()
        for client in clients:
            client.start()
        time.sleep(seconds)
        stop.set()
        for client in clients:
            client.join()
        took = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{model} ({worker_class}, {workers} workers, {threads} threads), "
          f"{connections} connections, {took:.0f} s: {len(results) / took:.0f} req/s in all")
    print(f"{'endpoint':16s} {'req/s':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s} "
          f"{'p50/login':>9s}")
    floor = statistics.median([ms for k, ms, ok in results if k == "login page"] or [1])
    summary = {}
    for kind in MIX:
        mine = [ms for k, ms, _ok in results if k == kind]
        errors = sum(1 for k, _ms, ok in results if k == kind and not ok)
        if not mine:
            continue
        p50, p99 = statistics.median(mine), _percentile(mine, 0.99)
        summary[kind] = (len(mine) / took, p50, p99, errors)
        print(f"{kind:16s} {len(mine) / took:7.1f} {p50:8.1f} {p99:8.1f} {errors:7d} "
              f"{p50 / floor:9.1f}")
    return summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--model", action="append", help="worker_class:workers[:threads]")
    parser.add_argument("--only", action="append", choices=list(MIX),
                        help="drive only these endpoints (the login page always runs)")
    args = parser.parse_args()
    app = scratch_app()
    sizes = portfolio(app, args.projects, reuse=os.environ.get("BENCH_REUSE") == "1")
    print("portfolio: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    with app.app_context():
        from sqlalchemy import select

        from core.extensions import db
        from plan.models import Department
        from projects.models import Project
        ids = list(db.session.scalars(select(Project.id).limit(5000)))
        police = db.session.scalar(select(Department.id).where(Department.name == "市公安局"))
        own_ids = list(db.session.scalars(select(Project.id).where(
            Project.department_id == police, Project.status != "closed").limit(200)))
    env = dict(os.environ, DATABASE_URL=os.environ["DATABASE_URL"],
               PLANGUARD_ENV="development", FLASK_APP="app.py")
    env.pop("PLANGUARD_AS_OF", None)
    if args.only:
        for kind in list(MIX):
            if kind not in args.only and kind != "login page":
                del MIX[kind]
    for model in args.model or ["sync:%d" % (os.cpu_count() or 2)]:
        run_model(model, env, ids, own_ids, args.seconds, args.connections)


if __name__ == "__main__":
    main()
