"""The office's evaluation cycle: assess departments (绩效评估), see the scorecard per department
and year with its trend and workbook, keep the training register (培训), record
post-evaluations (后评价) that the `evaluated` step requires."""
import io

import openpyxl
import xlsxwriter
from sqlalchemy import select

from core.audit import AuditEvent, acting_as
from core.extensions import db
from evaluation_support import POST_EVALUATION, record_post_evaluation

ASSESSMENT = {"department": "市公安局", "year": 2013, "information_disclosure": "85",
              "online_services": "78", "public_participation": "70",
              "website_construction": "90", "evidence_note": "2013 年度绩效考核表第 3 页"}


def test_office_assesses_a_department_once_a_year(api, app):
    office = api.as_user("office")
    created = office.post("/api/v1/departmentassessment/", json=ASSESSMENT)
    assert created.status_code == 201, created.get_json()
    again = office.post("/api/v1/departmentassessment/", json=ASSESSMENT)
    assert again.status_code == 409
    bad = office.post("/api/v1/departmentassessment/",
                      json=dict(ASSESSMENT, year=2014, online_services="120", evidence_note=""))
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"online_services", "evidence_note"}
    assert api.as_user("pm").post("/api/v1/departmentassessment/",
                                  json=dict(ASSESSMENT, year=2015)).status_code == 403
    # the department's ProjectManager reads its own, another department's does not
    pk = created.get_json()["id"]
    assert api.as_user("pm").get(f"/api/v1/departmentassessment/{pk}").status_code == 200
    assert api.as_user("pm2").get(f"/api/v1/departmentassessment/{pk}").status_code == 404
    assert api.as_user("auditor").get("/api/v1/departmentassessment/").get_json()["count"] == 1
    changed = office.put(f"/api/v1/departmentassessment/{pk}", json={"online_services": "80"})
    assert changed.status_code == 200 and float(changed.get_json()["result"]["online_services"]) == 80
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.entity == "department_assessment", AuditEvent.field == "online_services"))


def _train(app, department="市公安局", day="2013-05-20", attendees=45, passed=42):
    from evaluation.training import record_training
    with app.app_context(), acting_as("fixture"):
        record_training({"department": department, "held_on": day, "subject": "电子政务培训",
                         "hours": "16", "attendees": attendees, "passed": passed})
        db.session.commit()


def test_scorecard_combines_assessment_computed_public_and_training(app, api, web,
                                                                    make_project):
    api.as_user("office").post("/api/v1/departmentassessment/", json=ASSESSMENT)
    _train(app, attendees=10, passed=8)
    make_project(status="in_operation")
    from evaluation import scorecard
    with app.test_request_context():
        cards = scorecard.cards_for_year(2013)
        police = next(c for c in cards if c.department == "市公安局")
        assert police.values["information_disclosure"] == 0.85
        assert police.values["people_trained"] == 10 / app.config["TRAINING_TARGET_PEOPLE"]
        assert police.values["training_pass_rate"] == 0.8
        assert "disclosure_share" in police.values  # computed by PlanGuard
        weight = scorecard.weights()
        known = {k: v for k, v in police.values.items() if v is not None and weight[k]}
        expected = round(100 * sum(weight[k] * v for k, v in known.items()) /
                         sum(weight[k] for k in known), 1)
        assert police.score == expected
    page = web.as_user("office").get("/evaluation/scorecard/?year=2013").get_data(as_text=True)
    assert "市公安局" in page and "信息公开" in page and str(police.score) in page
    # the department's ProjectManager sees its own card only
    own = web.as_user("pm2").get("/evaluation/scorecard/?year=2013").get_data(as_text=True)
    assert 'data-department="市公安局"' not in own
    own = web.as_user("pm").get("/evaluation/scorecard/?year=2013").get_data(as_text=True)
    assert 'data-department="市公安局"' in own


def test_weights_come_from_configuration(app):
    from evaluation import scorecard
    with app.test_request_context():
        saved = dict(app.config["EVALUATION_WEIGHTS"])
        try:
            app.config["EVALUATION_WEIGHTS"] = {"online_services": 1.0}
            assert scorecard.weighted_score({"online_services": 0.5, "people_trained": 1.0},
                                            scorecard.weights()) == 50.0
        finally:
            app.config["EVALUATION_WEIGHTS"] = saved


def test_trend_chart_and_workbook(app, api, web):
    office = api.as_user("office")
    for year, score in ((2012, "60"), (2013, "75"), (2014, "88")):
        office.post("/api/v1/departmentassessment/", json=dict(
            ASSESSMENT, year=year, information_disclosure=score))
    client = web.as_user("office")
    png = client.get("/evaluation/scorecard/trend.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    book = client.get("/evaluation/scorecard/download")
    assert book.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(book.data)).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "年度" and "信息公开" in rows[0]
    years = [r[0] for r in rows[1:] if r[1] == "市公安局"]
    assert years == [2012, 2013, 2014]
    assert web.as_user("pm2").get("/evaluation/scorecard/download").status_code == 200


def _xlsx(rows):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    buffer.seek(0)
    return buffer


def test_training_import_is_all_or_nothing(app, web):
    header = ["department", "held_on", "subject", "hours", "attendees", "passed", "note"]
    office = web.as_user("office")
    bad = office.post("/training/import/", data={"file": (_xlsx([
        header, ["市公安局", "2013-05-20", "信息安全培训", 16, 45, 42, ""],
        ["不存在的局", "2013-06-01", "网站建设培训", 8, 20, 25, ""]]), "training.xlsx")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "department" in text and "passed" in text and ">3<" in text
    good = office.post("/training/import/", data={"file": (_xlsx([
        header, ["市公安局", "2013-05-20", "信息安全培训", 16, 45, 42, ""],
        ["市水利局", "2013-06-01", "网站建设培训", 8, 20, 18, "考核"]]), "training.xlsx")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        from evaluation.models import TrainingRecord
        assert db.session.query(TrainingRecord).count() == 2
    assert web.as_user("pm").post("/training/import/", data={"file": (_xlsx([header]),
                                  "t.xlsx")}, content_type="multipart/form-data"
                                  ).status_code in (302, 403)
    assert "网站建设培训" not in web.as_user("pm").get("/training/list/").get_data(as_text=True)
    assert "网站建设培训" in web.as_user("pm2").get("/training/list/").get_data(as_text=True)


def test_post_evaluation_is_structured_and_shown_on_the_project(app, api, web, make_project):
    pid = make_project(status="in_operation")
    office = api.as_user("office")
    missing = office.post("/api/v1/postevaluation/", json={"project": pid, "evaluator": "x"})
    assert missing.status_code == 422
    assert {"evaluated_on", "objectives_met", "usage_target", "final_cost", "benefits"} <= set(
        missing.get_json()["errors"])
    assert api.as_user("pm").post("/api/v1/postevaluation/", json=dict(
        POST_EVALUATION, project=pid)).status_code == 403
    created = office.post("/api/v1/postevaluation/", json=dict(POST_EVALUATION, project=pid))
    assert created.status_code == 201, created.get_json()
    page = web.as_user("pm").get(f"/projects/show/{pid}").get_data(as_text=True)
    assert "月均网上办件量" in page and "84%" in page  # usage against the proposal's target
    assert "-4.8%" in page  # final cost against the approved budget of 2,500,000


def test_post_evaluation_only_for_projects_in_operation(app, api, make_project):
    pid = make_project(status="in_construction")
    refused = api.as_user("office").post("/api/v1/postevaluation/",
                                         json=dict(POST_EVALUATION, project=pid))
    assert refused.status_code == 409


def test_evaluated_step_needs_the_post_evaluation(app, api, make_project):
    pid = make_project(status="in_operation")
    from schedule_support import mark_done, plan_milestones
    plan_milestones(app, pid)
    mark_done(app, pid, "post_evaluation")
    office = api.as_user("office")
    refused = office.post(f"/api/v1/project/{pid}/transition", json={"to": "evaluated"})
    assert refused.status_code == 422 and "后评价" in refused.get_json()["message"]
    record_post_evaluation(app, pid)
    assert office.post(f"/api/v1/project/{pid}/transition",
                       json={"to": "evaluated"}).status_code == 200


def test_the_compliance_workbook_summarises_post_evaluations(app, runner, make_project,
                                                             tmp_path):
    pid = make_project(status="in_operation")
    record_post_evaluation(app, pid)
    make_project(status="in_operation", code="TC-2013-002", department="市水利局",
                 name="城区供水管网漏损监测系统", capabilities=["管网监测"])
    out = tmp_path / "compliance.xlsx"
    result = runner.invoke(args=["reports", "compliance", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert "后评价" in book.sheetnames
    rows = list(book["后评价"].iter_rows(values_only=True))
    assert rows[0][0] == "项目编号" and rows[1][0] == "TC-2013-001"
    assert rows[1][5] == "基本实现" and abs(rows[1][9] - 0.84) < 1e-9
    assert abs(rows[1][12] - (2380000 - 2500000) / 2500000) < 1e-9
    assert [r[0] for r in rows[1:] if r[0]] == ["TC-2013-001"]  # only evaluated projects
    scoped = tmp_path / "water.xlsx"
    runner.invoke(args=["reports", "compliance", "--out", str(scoped), "--department", "市水利局"])
    rows = list(openpyxl.load_workbook(scoped)["后评价"].iter_rows(values_only=True))
    assert len(rows) == 1  # the filter holds on this sheet too


def test_training_import_and_scorecard_commands(app, runner, tmp_path):
    header = ["department", "held_on", "subject", "hours", "attendees", "passed", "note"]
    path = tmp_path / "training.xlsx"
    path.write_bytes(_xlsx([header, ["市公安局", "2014-04-02", "网站管理培训", 8, 30, 28, ""]]
                           ).getvalue())
    result = runner.invoke(args=["evaluation", "import-training", str(path)])
    assert result.exit_code == 0 and "1" in result.output, result.output
    out = tmp_path / "scorecard.xlsx"
    result = runner.invoke(args=["evaluation", "scorecard", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert any(r[0] == 2014 and r[1] == "市公安局" for r in rows[1:])


def test_the_scorecard_follows_a_changed_assessment_at_once(app, api, web):
    office = api.as_user("office")
    pk = office.post("/api/v1/departmentassessment/", json=ASSESSMENT).get_json()["id"]
    page = web.as_user("office").get("/evaluation/scorecard/?year=2013").get_data(as_text=True)
    assert ">85.0<" in page
    office.put(f"/api/v1/departmentassessment/{pk}", json={"information_disclosure": "40"})
    page = web.as_user("office").get("/evaluation/scorecard/?year=2013").get_data(as_text=True)
    assert ">40.0<" in page and ">85.0<" not in page
