"""Public disclosure without login, dashboards per role, plan coverage, and scoping."""
import csv
import io

from tests.reports_support import line, submission_check


def test_public_page_needs_no_login_and_shows_only_approved_projects(app, make_project):
    make_project("in_construction", code="TC-2013-001", name="城区视频监控二期")
    make_project("draft", code="TC-2013-002", name="草稿中的秘密项目")
    make_project("in_review", code="TC-2013-003", name="审核中的项目")
    make_project("rejected", code="TC-2013-004", name="被否决的项目")
    client = app.test_client()
    response = client.get("/disclosure/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "城区视频监控二期" in page and "2,500,000.00" in page and "市公安局" in page
    for hidden in ("草稿中的秘密项目", "审核中的项目", "被否决的项目"):
        assert hidden not in page
    for internal in ("审核意见", "风险", "审计发现", "fixture", "office", "reviewer"):
        assert internal not in page.split('id="disclosure"')[1]
    data = client.get("/disclosure/csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data)))
    assert [r[0] for r in rows[1:]] == ["TC-2013-001"]
    assert len(rows[0]) == 8


def test_public_page_filters(app, make_project):
    make_project("approved", code="TC-2013-001")
    make_project("approved", code="TC-2013-002", department="市水利局")
    page = app.test_client().get("/disclosure/?q=TC-2013-002").get_data(as_text=True)
    assert "TC-2013-002" in page and "TC-2013-001" not in page


def test_public_role_has_nothing_but_disclosure(app):
    client = app.test_client()
    for url in ("/reports/compliance/", "/reports/coverage/", "/reports/dashboard/coverage.png",
                "/projectmodelview/list/"):
        assert client.get(url).status_code in (302, 401, 403, 404)


def test_office_dashboard_shows_queue_duplicates_coverage(app, make_project, web):
    waiting = make_project("submitted", code="TC-2013-001", name="待审核的平台")
    submission_check(app, waiting, flagged=2)
    page = web.as_user("office").get("/").get_data(as_text=True)
    assert 'id="dashboard-office"' in page and "待审核的平台" in page
    assert "/reports/dashboard/coverage.png" in page
    png = web.as_user("office").get("/reports/dashboard/coverage.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"


def test_the_coverage_legend_names_only_the_colours_drawn(app):
    from reports.charts import coverage_legend
    with app.test_request_context():
        assert [label for _c, label in coverage_legend([3, 1], [0, 0])] == ["项目"]
        assert [str(label) for _c, label in coverage_legend([3, 0], [1, 0])] == [
            "项目", "疑似重复", "尚无项目"]


def test_manager_dashboard_shows_own_returned_proposals_only(app, make_project, web):
    make_project("returned", code="TC-2013-001", name="本部门退回的建议书")
    make_project("returned", code="TC-2013-002", name="水利局退回的建议书", department="市水利局")
    page = web.as_user("pm").get("/").get_data(as_text=True)
    assert 'id="dashboard-manager"' in page and "本部门退回的建议书" in page
    assert "水利局退回的建议书" not in page
    assert 'id="dashboard-office"' not in page and 'id="dashboard-auditor"' not in page
    assert web.as_user("pm").get("/reports/dashboard/failures.png").status_code == 404


def test_auditor_dashboard_shows_rule_failures_and_findings(app, make_project, web):
    make_project("approved", code="TC-2013-001")
    client = web.as_user("auditor")
    page = client.get("/").get_data(as_text=True)
    assert 'id="dashboard-auditor"' in page
    png = client.get("/reports/dashboard/failures.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"


def test_manager_scoped_coverage_counts_only_visible_projects(app, make_project):
    from reports.coverage import plan_coverage
    from reports.rules import Filters
    from core.extensions import db
    from core.security import PlanGuardUser
    from sqlalchemy import select
    make_project("draft", code="TC-2013-001")  # 市公安局 draft: visible to pm
    make_project("draft", code="TC-2013-002", department="市水利局")  # not visible to pm
    with app.test_request_context():
        pm = db.session.scalar(select(PlanGuardUser).where(PlanGuardUser.username == "pm"))
        rows = {r.code: r for r in plan_coverage(Filters(user=pm))}
        everyone = {r.code: r for r in plan_coverage(Filters())}
    assert rows["T3"].projects == 1 and everyone["T3"].projects == 2


def test_coverage_page_lists_tasks_without_projects(app, make_project, web):
    make_project("approved", code="TC-2013-001")
    page = web.as_user("office").get("/reports/coverage/").get_data(as_text=True)
    assert 'id="uncovered"' in page and "T1" in page.split('id="uncovered"')[1]


def _badge(page, badge_id):
    import re
    found = re.search(rf'id="{badge_id}"[^>]*>\s*([^<]*)<', page)
    assert found, badge_id
    return found.group(1).strip()


def test_home_badges_count_everything_waiting_not_the_rows_shown(app, make_project, web):
    """The Office's escalation and duplicate badges and the PM's returned badge say how many
    wait (the panels list the first few and link to the whole list)."""
    from tests.risk_support import add_finding
    project = make_project("in_construction", code="TC-2013-001")
    for _n in range(12):
        add_finding(app, project)
    for n in range(10):
        flagged = make_project("submitted", code=f"TC-2013-1{n:02d}", name=f"待审核平台{n}")
        submission_check(app, flagged, flagged=1)
    for n in range(11):
        make_project("returned", code=f"TC-2013-2{n:02d}", name=f"退回的建议书{n}")
    office = web.as_user("office").get("/").get_data(as_text=True)
    assert _badge(office, "escalation-count") == "12"
    assert _badge(office, "flagged-count") == "10"
    assert "/schedule/overdue" in office and "/reviews/queue?score=" in office
    assert "未处置</a>" not in office  # the links say 查看全部, not the status 'open'
    assert office.count("查看全部</a>") == 3
    manager = web.as_user("pm").get("/").get_data(as_text=True)
    assert _badge(manager, "returned-count") == "11"
    assert "/projects/list/?_flt_0_status=returned" in manager
