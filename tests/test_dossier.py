"""项目档案: every event of a project and its children, readable, filterable, exportable,
for the Auditor."""
import io
import re

import openpyxl

from conftest import fund_fully
from core.extensions import db
from tests.reports_support import assert_prints_at_page_width


def _story(app, make_project, api):
    project_id = make_project("draft", code="TC-2013-001", name="城区视频监控二期")
    fund_fully(app, project_id)
    office = api.as_user("office")
    assert office.post(f"/api/v1/project/{project_id}/transition",
                       json={"to": "submitted"}).status_code == 200
    assert office.post(f"/api/v1/project/{project_id}/transition",
                       json={"to": "in_review"}).status_code == 200
    assert office.post(f"/api/v1/project/{project_id}/decision",
                       json={"decision": "return", "comment": "请补充整合方案"}).status_code == 200
    return project_id


def test_the_dossier_reads_every_event_in_order_in_words(app, make_project, api, web):
    project_id = _story(app, make_project, api)
    make_project("draft", code="TC-2013-002", name="别的项目")
    page = web.as_user("auditor").get(f"/dossier/{project_id}/").get_data(as_text=True)
    body = re.sub(r"<[^>]+>", " ", page.split('id="dossier"')[1])  # the text a reader sees
    assert "TC-2013-002" not in body
    for words in ("资金计划", "审核", "草稿", "已提交", "审核中", "退回修改", "请补充整合方案",
                  "市本级财政", "项目建议书"):
        assert words in body, words
    for raw in ("funding_line", "draft→", "None", "insert", "True", "False"):
        assert raw not in body, raw
    assert body.index("已提交") < body.index("退回修改")


def test_the_dossier_filters_and_exports(app, make_project, api, web):
    project_id = _story(app, make_project, api)
    auditor = web.as_user("auditor")
    page = auditor.get(f"/dossier/{project_id}/?kind=review").get_data(as_text=True)
    kinds = {chunk.split('"')[0] for chunk in page.split('data-kind="')[1:]}
    assert kinds == {"review"}
    assert "dossier-entry" not in auditor.get(
        f"/dossier/{project_id}/?from=2001-01-01&to=2001-01-31").get_data(as_text=True)
    response = auditor.get(f"/dossier/{project_id}/xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0].startswith("时间") and len(values) > 5
    assert_prints_at_page_width(sheet)
    printed = auditor.get(f"/dossier/{project_id}/print").get_data(as_text=True)
    assert "A4 landscape" in printed and "navbar" not in printed and "请补充整合方案" in printed


def test_only_auditors_see_the_dossier_and_the_project_page_links_it(app, make_project, web):
    project_id = make_project("approved", code="TC-2013-001")
    assert web.as_user("pm").get(f"/dossier/{project_id}/").status_code in (302, 403)
    page = web.as_user("auditor").get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert f"/dossier/{project_id}/" in page
    assert "/dossier/" not in web.as_user("pm").get(
        f"/projects/show/{project_id}").get_data(as_text=True)


def test_a_rebaseline_and_a_risk_read_in_words_not_stored_forms(app, make_project, web):
    """What the Auditor reads of a re-baseline and of a risk: the funding line changes and
    the decision time in words, the status translated, a risk's fields under risk labels; no
    Python lists, microseconds or row versions."""
    from budgets.changes import decide_change, request_change
    from core.audit import acting_as
    from projects.models import Project
    from risk.services import create_risk
    project_id = make_project("approved", funded=True, code="TC-2013-001")
    with app.app_context(), acting_as("fixture"):
        project = db.session.get(Project, project_id)
        year, budget = project.start_date.year, project.budget_total
        change = request_change({"project": project_id, "reason": "设备价格上涨",
                                 "new_budget_total": str(budget + 1000),
                                 "lines": [{"source": "municipal", "year": year,
                                            "amount": str(budget + 1000)}]})
        decide_change(change, "approve")
        create_risk({"project": project_id, "category": "cost", "title": "设备涨价",
                     "description": "主要设备报价上涨两成", "likelihood": 3, "impact": 4})
        db.session.commit()
    page = web.as_user("auditor").get(f"/dossier/{project_id}/").get_data(as_text=True)
    body = re.sub(r"<[^>]+>", " ", page.split('id="dossier"')[1])
    assert f"市本级财政 {year}: {budget + 1000:,.2f}" in body
    assert "风险类别: 成本" in body and "风险描述: 主要设备报价上涨两成" in body
    for raw in ("[{", "{'", "'source'", "approved", "version:", "项目类别: 成本"):
        assert raw not in body, raw
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", body), "a time with microseconds"
