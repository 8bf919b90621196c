"""The funding section of a project page, its forms (refusals shown, nothing changed), the
execution page with its PNG charts, and the exports."""
import io
import warnings

import openpyxl
from PIL import Image

from budget_helpers import counts, line_of, source_id


def test_pm_builds_the_plan_on_the_project_page(web, app, make_project):
    project = make_project()
    municipal = str(source_id(app, "municipal"))
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project}").get_data(as_text=True)
    assert 'id="add-line"' in page and 'id="plan-mismatch"' in page
    response = pm.post(f"/budgets/project/{project}/line", data={
        "source": municipal, "year": "2013", "amount": "2500000.00"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2,500,000.00" in html and 'id="plan-mismatch"' not in html
    before = counts(app)
    response = pm.post(f"/budgets/project/{project}/line", data={
        "source": municipal, "year": "2013", "amount": "5"}, follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    assert counts(app) == before


def test_payment_form_refuses_an_overrun_with_a_message(web, app, make_project):
    project = make_project(status="in_construction", funded=True)
    line = line_of(app, project)
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project}").get_data(as_text=True)
    assert 'id="add-payment"' in page and 'id="add-line"' not in page
    before = counts(app)
    response = pm.post(f"/budgets/project/{project}/payment", data={
        "kind": "expenditure", "funding_line": str(line), "date": "2013-05-02",
        "amount": "10.00"}, follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    assert counts(app) == before
    response = pm.post(f"/budgets/project/{project}/payment", data={
        "kind": "disbursement", "funding_line": str(line), "date": "2013-05-02",
        "amount": "10.00", "voucher_no": "BF-77"}, follow_redirects=True)
    assert "BF-77" in response.get_data(as_text=True)
    assert counts(app)["Disbursement"] == 1


def test_auditor_sees_the_funding_but_no_forms(web, make_project):
    project = make_project(status="in_construction", funded=True)
    page = web.as_user("auditor").get(f"/projects/show/{project}").get_data(as_text=True)
    assert 'id="funding-lines"' in page
    assert 'id="add-payment"' not in page and 'id="change-request"' not in page


def test_execution_charts_are_pngs_with_content(web, make_project):
    make_project(status="in_construction", funded=True)
    office = web.as_user("office")
    assert office.get("/budgets/execution/?year=2013").status_code == 200
    for kind in ("source", "department", "year", "social"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            response = office.get(f"/budgets/execution/chart/{kind}.png?year=2013")
        assert response.status_code == 200 and response.mimetype == "image/png"
        image = Image.open(io.BytesIO(response.data))
        assert image.width > 300 and len(image.getcolors(1 << 20) or []) > 10
        boxes = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        assert not boxes, boxes[:3]  # Chinese labels drawn in a font that has them
    assert office.get("/budgets/execution/chart/nonsense.png").status_code == 404


def test_execution_export_xlsx_has_figures_per_project(web, make_project):
    make_project(status="in_construction", funded=True)
    data = web.as_user("office").get("/budgets/execution/export/xlsx").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    row = [c.value for c in sheet[2]]
    assert row[0] == "TC-2013-001" and row[7] == 2500000 and row[13] == 0
