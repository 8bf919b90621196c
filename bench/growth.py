"""How cost grows with the portfolio (issue 15): for each size in BENCH_SIZES (default
2000,20000; add 100000 for a province), a fresh demo portfolio, then in fresh processes the
list page, the REST list and one duplicate check (server time p50 in-process), the portfolio
scan and the compliance workbook (time and peak memory each). Prints one table.

    BENCH_SIZES=2000,20000,100000 .venv/bin/python bench/growth.py [--requests 10]
SQLite files in a scratch folder by default; BENCH_DATABASE_URL names a PostgreSQL database
that is emptied (schema public dropped) before each size. Each step has a time limit
(BENCH_STEP_TIMEOUT, 900 s); a step past it prints "timeout".
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, os, resource, statistics, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {root!r} + "/bench")
from app import create_app
from common import login
app = create_app({{"PLANGUARD_ENV": "testing"}})
step, requests = {step!r}, {requests}
out = {{}}
with app.app_context():
    from core.extensions import db
    from core.audit import acting_as
    if step == "pages":
        client = app.test_client()
        login(client, "office")
        token = client.post("/api/v1/security/login", json={{"username": "office",
            "password": "office", "provider": "db"}}).json["access_token"]
        api = {{"Authorization": "Bearer " + token}}
        proposal = {{"code": "GROW-2013-001", "name": "全市视频会议系统扩容", "department": "市公安局",
            "plan_task": "T1", "category": "network", "capabilities": ["视频会议"],
            "description": "扩容全市视频会议系统,新增乡镇会场,与现有视频会议平台对接。",
            "budget_total": "800000", "start_date": "2013-03-01", "end_date": "2014-03-01"}}
        calls = {{"login page": lambda: app.test_client().get("/login/"),
                 "list page": lambda: client.get("/projects/list/"),
                 "API list": lambda: client.get("/api/v1/project/", headers=api),
                 "duplicate check": lambda: client.post("/api/v1/project/duplicate-check",
                                                        json=proposal, headers=api)}}
        for name, call in calls.items():
            started = time.perf_counter(); response = call()
            out[name + " first"] = (time.perf_counter() - started) * 1000
            assert response.status_code < 400, (name, response.status_code)
            samples = []
            for _ in range(requests):
                started = time.perf_counter(); call()
                samples.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(samples)
    elif step == "scan":
        from projects.guard.stored import run_scan
        started = time.perf_counter()
        with acting_as("bench"):
            scan = run_scan()
        out["scan s"] = time.perf_counter() - started
        out["pairs"] = scan.pairs
    elif step == "workbook":
        import tempfile
        from reports.workbook import write_compliance_workbook
        path = os.path.join(tempfile.mkdtemp(), "c.xlsx")
        started = time.perf_counter()
        counts = write_compliance_workbook(path)
        out["workbook s"] = time.perf_counter() - started
        out["audit rows"] = counts["audit_events"]
out["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


def _child(step, env, requests, timeout):
    code = CHILD.format(root=ROOT, step=step, requests=requests)
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(done.stderr[-2000:])
    return {"failed": True}


def _fresh_database(size, folder):
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(folder, f"growth-{size}.db")
    from sqlalchemy import create_engine, text
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]
    timeout = int(os.environ.get("BENCH_STEP_TIMEOUT", "900"))
    folder = tempfile.mkdtemp(prefix="planguard-growth-")
    table = []
    for size in sizes:
        url = _fresh_database(size, folder)
        env = dict(os.environ, DATABASE_URL=url, PLANGUARD_INSTANCE=folder, FLASK_APP="app.py",
                   PLANGUARD_ENV="testing", ADMIN_PASSWORD="Bench-admin-pw-1")
        started = time.perf_counter()
        for command in (["setup"], ["demo", "seed", "--projects", str(size)]):
            done = subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stderr[-2000:]}")
        seed = time.perf_counter() - started
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        counts = subprocess.run([sys.executable, "-c", (
            "import sys; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
            "from app import create_app; from common import table_sizes; import json\n"
            "print(json.dumps(table_sizes(create_app({'PLANGUARD_ENV': 'testing'}))))")
            % (ROOT, os.path.join(ROOT, "bench"))], env=env, capture_output=True, text=True)
        print(f"{size:,} projects seeded in {seed:.0f} s: {counts.stdout.strip()}", flush=True)
        row = {"projects": size, "seed s": seed}
        for step in ("pages", "scan", "workbook"):
            result = _child(step, env, args.requests, timeout)
            print(f"  {step}: {result}", flush=True)
            row.update({f"{step} {k}" if k == "peak MiB" else k: v for k, v in result.items()})
        table.append(row)
    print("\n| projects | seed s | list page ms | API list ms | duplicate check ms (first) "
          "| scan s (MiB) | workbook s (MiB) | pages MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in table:
        def f(key, fmt="{:.0f}"):
            return fmt.format(r[key]) if isinstance(r.get(key), (int, float)) else "-"
        print(f"| {r['projects']:,} | {f('seed s')} | {f('list page', '{:.1f}')} | "
              f"{f('API list', '{:.1f}')} | {f('duplicate check', '{:.1f}')} "
              f"({f('duplicate check first')}) | {f('scan s', '{:.1f}')} ({f('scan peak MiB')}) "
              f"| {f('workbook s', '{:.1f}')} ({f('workbook peak MiB')}) | "
              f"{f('pages peak MiB')} |")


if __name__ == "__main__":
    main()
