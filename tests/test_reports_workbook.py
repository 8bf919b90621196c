"""The compliance workbook opened as an auditor would (openpyxl), the CLI, the web download and
who may get it; the scorecard workbook."""
import datetime as dt
import io
import re

import openpyxl

from tests.reports_support import assert_prints_at_page_width, line, milestone


def _failing_portfolio(app, make_project):
    """One project failing C04 (plan short of budget) and C08, one passing them."""
    bad = make_project("in_construction", code="TC-2013-001", name="=HYPERLINK(\"x\")监控")
    good = make_project("in_construction", code="TC-2013-002", department="市水利局")
    line(app, bad, "2000000.00")
    line(app, good, "2500000.00")
    milestone(app, bad, "tender", dt.date(2014, 1, 10))
    return bad, good


def test_cli_workbook_sheets_charts_matrix_and_failures(app, make_project, runner, tmp_path):
    _failing_portfolio(app, make_project)
    out = tmp_path / "c.xlsx"
    result = runner.invoke(args=["reports", "compliance", "--out", str(out), "--on", "2014-06-30"])
    assert result.exit_code == 0, result.output
    assert "2 projects" in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:6] == ["汇总", "规则", "合规矩阵", "不通过明细", "资金执行",
                                   "逾期里程碑"]
    assert "规划覆盖" in book.sheetnames and "审计日志" in book.sheetnames
    summary = book["汇总"]
    assert len(summary._charts) >= 3
    rows = {r[0]: r for r in summary.iter_rows(min_row=8, max_row=20, values_only=True)}
    assert rows["C04"][3:5] == (1, 1)  # one pass, one fail
    rules = book["规则"]
    assert rules["A1"].value == "规则" and rules["A2"].value == "C01"
    matrix = book["合规矩阵"]
    assert matrix.freeze_panes == "C2" and matrix.auto_filter.ref
    assert matrix.conditional_formatting
    header = [c.value for c in matrix[1]]
    c04 = header.index("C04")
    by_code = {r[0]: r for r in matrix.iter_rows(min_row=2, values_only=True)}
    assert by_code["TC-2013-001"][c04] == "不通过" and by_code["TC-2013-002"][c04] == "通过"
    assert by_code["TC-2013-001"][1] == "=HYPERLINK(\"x\")监控"  # text, not a formula
    assert matrix.cell(row=2, column=2).data_type == "s"
    failures = [r for r in book["不通过明细"].iter_rows(min_row=2, values_only=True)]
    c04_rows = [r for r in failures if r[0] == "C04"]
    assert len(c04_rows) == 1 and c04_rows[0][3] == "TC-2013-001"
    assert "2,000,000.00" in c04_rows[0][7]
    overdue = [r for r in book["逾期里程碑"].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in overdue] == ["TC-2013-001"]


def test_cli_filters_by_department(app, make_project, runner, tmp_path):
    _failing_portfolio(app, make_project)
    out = tmp_path / "water.xlsx"
    result = runner.invoke(args=["reports", "compliance", "--out", str(out),
                                 "--department", "市水利局"])
    assert result.exit_code == 0, result.output
    matrix = openpyxl.load_workbook(out)["合规矩阵"]
    assert [r[0] for r in matrix.iter_rows(min_row=2, values_only=True)] == ["TC-2013-002"]
    bad = runner.invoke(args=["reports", "compliance", "--out", str(out), "--department", "无"])
    assert bad.exit_code != 0


def test_web_download_for_auditor_and_office_not_for_manager(app, make_project, web):
    _failing_portfolio(app, make_project)
    for user in ("auditor", "office"):
        browser = web.as_user(user)
        # the workbook is a background job (immediate in tests): its page, then the file
        started = browser.get("/reports/compliance/download")
        assert started.status_code == 302 and "/jobs/" in started.location
        job_page = browser.get(started.location).get_data(as_text=True)
        assert 'id="job-download"' in job_page
        status = browser.get(started.location + ".json").get_json()
        assert status["done"] and status["download"]
        response = browser.get(started.location + "/download")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        assert "合规矩阵" in book.sheetnames
    assert web.as_user("pm").get("/reports/compliance/download").status_code in (302, 403)
    assert web.as_user("pm").get("/reports/compliance/").status_code in (302, 403)


def test_compliance_page_lists_failures_with_evidence(app, make_project, web):
    _failing_portfolio(app, make_project)
    page = web.as_user("auditor").get("/reports/compliance/").get_data(as_text=True)
    assert "资金计划等于批复概算" in page and "TC-2013-001" in page and "2,000,000.00" in page


def test_scorecard_page_and_workbook(app, make_project, web, runner, tmp_path):
    _failing_portfolio(app, make_project)
    page = web.as_user("office").get("/reports/scorecard/").get_data(as_text=True)
    assert "市公安局" in page and "市水利局" in page
    out = tmp_path / "s.xlsx"
    assert runner.invoke(args=["reports", "scorecard", "--out", str(out)]).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    # 市水利局 passes everything it is judged on; 市公安局 fails C04 and C08
    assert rows["市水利局"][-1] > rows["市公安局"][-1]
    assert len(sheet._charts) == 1


def test_a_department_workbook_is_scoped_on_every_sheet_and_prints(app, make_project, web):
    """Filtered to one department, no sheet holds another department's rows (the audit sheet
    neither), every table prints landscape at page width with its header repeated, the rule
    chart is labelled by rule titles, values are translated and the file is named after
    the filter."""
    from plan.models import Department
    from core.extensions import db
    from sqlalchemy import select
    _failing_portfolio(app, make_project)
    with app.app_context():
        water = db.session.scalar(select(Department).where(Department.name == "市水利局"))
        water_id, water_code = water.id, water.code
    auditor = web.as_user("auditor")
    until = dt.date.today().isoformat()  # the period holds today's events (the audit sheet)
    started = auditor.get(f"/reports/compliance/download?department={water_id}&from=2013-01-01"
                          f"&to={until}")
    response = auditor.get(started.location + "/download")  # the job ran (immediate in tests)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert f"compliance-{water_code}-2013-01-01" in disposition and until in disposition
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    for name in book.sheetnames:
        sheet = book[name]
        assert_prints_at_page_width(sheet, header_repeated=name != "汇总")
        if name != "汇总":
            text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row
                            if v is not None)
            assert "TC-2013-001" not in text, name
    audit = [r for r in book["审计日志"].iter_rows(min_row=2, values_only=True)]
    assert audit and {r[1] for r in audit} == {"TC-2013-002"}
    assert all(isinstance(r[0], dt.datetime) for r in audit)  # times, not numbers or text
    assert all("insert" not in str(r[4]) for r in audit) and audit[0][4] == "新建"
    chart = book["汇总"]._charts[0]
    categories = chart.series[0].cat.strRef or chart.series[0].cat.numRef
    assert "$B$" in categories.f  # the rules' titles, not their ids


def test_high_risk_sheet_translates_values(app, make_project, runner, tmp_path):
    from tests.risk_support import add_risk
    project_id = make_project("in_construction", code="TC-2013-001")
    add_risk(app, project_id, category="cost", likelihood=5, impact=4)
    out = tmp_path / "r.xlsx"
    assert runner.invoke(args=["reports", "compliance", "--out", str(out)]).exit_code == 0
    rows = list(openpyxl.load_workbook(out)["高风险"].iter_rows(min_row=2, values_only=True))
    assert rows and (rows[0][2], rows[0][7]) == ("成本", "未处置")


def test_the_workbook_job_page_speaks_the_users_language(app, make_project, web):
    """The Auditor's download page names the job and what the workbook holds in Chinese and
    the file it will save, not the job's internal name or an English summary."""
    make_project(status="in_construction")
    auditor = web.as_user("auditor")
    started = auditor.get("/reports/compliance/download")
    assert started.status_code == 302
    page = auditor.get(started.headers["Location"]).get_data(as_text=True)
    assert "compliance_workbook" not in page and " projects, " not in page
    assert "合规检查工作簿" in page and "1 个项目" in page
    assert re.search(r"compliance-[\d-]+\.xlsx", page)
