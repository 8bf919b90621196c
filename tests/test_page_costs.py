"""What a page costs (issue 15), beyond the paged lists of test_paged_pages.py: the same SQL
statements whatever the portfolio's (or the project's) size, and portfolio figures computed once
per portfolio version, never older than the database."""
import re


from test_paged_pages import recorded_statements
from tests.budget_helpers import line_of


_statements = recorded_statements  # one load, no warm-up: these tests count the caches' work


def _seed(app, count, prefix):
    from core.audit import acting_as
    from core.extensions import db
    from projects.demo import seed_projects
    with app.app_context(), acting_as("demo"):
        seed_projects(count, seed=7, prefix=prefix)
        db.session.commit()


def _disbursed_total(page):
    """The portfolio's disbursed total on the execution page (its second headline figure)."""
    totals = page[page.index('id="execution-totals"'):]
    return re.findall(r"<strong>([^<]*)</strong>", totals)[1]


def test_execution_figures_are_computed_once_and_follow_a_disbursement(app, web, make_project):
    project = make_project(status="in_construction", funded=True)
    office, pm = web.as_user("office"), web.as_user("pm")
    _statements(app, office, "/budgets/execution/")
    again, page = _statements(app, office, "/budgets/execution/")
    assert not [s for s in again if "sum(funding_line" in s], "figures were recomputed"
    assert "10.00" not in _disbursed_total(page)
    pm.post(f"/budgets/project/{project}/payment", data={
        "kind": "disbursement", "funding_line": str(line_of(app, project)),
        "date": "2013-05-02", "amount": "10.00", "voucher_no": "BF-77"})
    _seen, page = _statements(app, office, "/budgets/execution/")
    assert "10.00" in _disbursed_total(page)


def test_execution_page_statements_do_not_grow_with_the_portfolio(app, web):
    _seed(app, 120, "DEMO")
    office = web.as_user("office")
    office.get("/budgets/execution/")
    small = len(_statements(app, office, "/budgets/execution/")[0])
    _seed(app, 240, "MORE")
    office.get("/budgets/execution/")
    assert len(_statements(app, office, "/budgets/execution/")[0]) == small


def _plan(query) -> str:
    """SQLite's plan of a SELECT (its literal values inlined)."""
    from sqlalchemy import text

    from core.extensions import db
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_overdue_list_reads_only_open_milestones(app):
    """The overdue page and its count search the open milestones by status and planned date
    (walking the planned dates read every milestone done before the first open one: 40,000
    rows at 20,000 projects before the page's 50)."""
    import datetime as dt

    import pytest

    from core.extensions import db
    from projects.schedule import schedule
    with app.test_request_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan asserted is SQLite's")
        on = dt.date(2014, 6, 30)
        page = _plan(schedule.overdue_milestones_query(None, on).limit(50))
        count = _plan(schedule.overdue_count_query(None, on))
    assert "milestone USING INDEX ix_milestone_status_planned (status=? AND planned_date<?)" \
        in page, page
    assert "COVERING INDEX ix_milestone_status_planned" in count, count


def test_project_page_statements_do_not_grow_with_its_milestones(app, web, make_project):
    """The project page of a project with its template milestones and with 12 supervision
    reports more, two of them with evidence: the same statements, the evidence counted in the
    milestone table."""
    import datetime as dt
    import io

    from core.audit import acting_as
    from core.extensions import db
    from projects.schedule.models import Milestone
    from tests.schedule_support import plan_milestones
    project = make_project(status="in_construction", budget_total="500000.00")
    plan_milestones(app, project)
    pm = web.as_user("pm")
    pm.get(f"/projects/show/{project}")
    few, _page = _statements(app, pm, f"/projects/show/{project}")
    with app.app_context(), acting_as("fixture"):
        reports = [Milestone(project_id=project, type="supervision_report", sequence=10 + n,
                             planned_date=dt.date(2013, 4, 1) + dt.timedelta(days=20 * n),
                             baseline_date=dt.date(2013, 4, 1) + dt.timedelta(days=20 * n))
                   for n in range(12)]
        db.session.add_all(reports)
        db.session.commit()
        with_evidence = [reports[0].id, reports[5].id]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for n, mid in enumerate(with_evidence):
        for copy in range(n + 1):
            pm.post(f"/milestones/upload/{mid}", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(pdf + bytes([n, copy])), f"监理报告{copy}.pdf")})
    pm.get(f"/projects/show/{project}")
    many, page = _statements(app, pm, f"/projects/show/{project}")
    assert len(many) == len(few), [s for s in many if s not in few]
    start = page.index('id="milestones"')
    table = page[start:page.index("</table>", start)]
    evidence = {}  # milestone id -> its Evidence cell (the sixth)
    for row in table.split("<tr")[2:]:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        evidence[re.search(r"/milestones/show/(\d+)", row).group(1)] = cells[5]
    assert len(evidence) >= 12
    assert evidence[str(with_evidence[0])] == "1" and evidence[str(with_evidence[1])] == "2"
    assert sum(1 for v in evidence.values() if v) == 2


def test_api_project_list_costs_the_same_statements_for_20_or_100_rows(app, api):
    """GET /api/v1/project/: the same statements for a page of 20 and of 100 projects (the
    plan tasks of the page in one query, the version selected with the rest), and each row
    still carries its plan tasks and version; the total counts every project."""
    import json

    _seed(app, 150, "DEMO")
    office = api.as_user("office")

    def listing(size):
        query = json.dumps({"page_size": size, "page": 0})
        office.get(f"/api/v1/project/?q={query}")
        seen, text = _statements(app, office, f"/api/v1/project/?q={query}")
        return seen, json.loads(text)
    small, body = listing(20)
    large, body = listing(100)
    assert len(large) == len(small), [s for s in large if s not in small]
    assert len(body["result"]) == 100 and body["count"] == 150
    assert all(row["version"] >= 1 and row["plan_tasks"] for row in body["result"])
    assert all(task["code"] for row in body["result"] for task in row["plan_tasks"])


def _uncovered_on_home(page):
    """The plan tasks the Office's home page names as having no project."""
    match = re.search(r'<p class="text-danger">[^<:]*: ([^<]*)</p>', page)
    return match.group(1).split(", ") if match else []


def test_home_coverage_is_computed_once_per_portfolio_version(app, web, make_project):
    """The Office's home page: a second load runs no coverage GROUP BY; a project registered
    for T3 takes T3 off the list of tasks without a project at once; the statements do not
    grow with the portfolio."""
    office = web.as_user("office")
    office.get("/")
    again, page = _statements(app, office, "/")
    assert "T3" in _uncovered_on_home(page)
    assert not [s for s in again if "GROUP BY project_plan_task.plan_task_id" in s]
    make_project(plan_task="T3")
    _seen, page = _statements(app, office, "/")
    assert "T3" not in _uncovered_on_home(page) and "T1" in _uncovered_on_home(page)
    _seed(app, 120, "DEMO")
    office.get("/")
    small = _statements(app, office, "/")[0]
    _seed(app, 240, "MORE")
    office.get("/")
    large = _statements(app, office, "/")[0]
    assert len(large) == len(small), [s for s in large if s not in small]


def test_project_list_search_selects_are_written_once_per_portfolio_version(app, web):
    """The project list's search form lists every department: once written, its options
    cost no statement; a department added shows at once."""
    from core.audit import acting_as
    from core.extensions import db
    from plan.models import Department
    import json

    def listed(name, page):  # the search form travels as JSON in the page's script
        return f"\\u003e{json.dumps(name)[1:-1]}\\u003c/option" in page
    office = web.as_user("office")
    office.get("/projects/list/")
    warm, page = _statements(app, office, "/projects/list/")
    assert listed("市公安局", page)
    assert not [s for s in warm if "FROM department" in s and "WHERE" not in s]
    with app.app_context(), acting_as("admin"):
        db.session.add(Department(code="X901", name="市新建数据局"))
        db.session.commit()
    try:
        office.get("/projects/list/")
        again, page = _statements(app, office, "/projects/list/")
        assert listed("市新建数据局", page) and len(again) == len(warm)
    finally:
        with app.app_context():
            db.session.execute(db.delete(Department).where(Department.code == "X901"))
            db.session.commit()
