"""Import from json and xlsx: all rows or none, errors name row and column; the same in the web
UI with a check step, a confirm step and a template."""
import io
import json

import openpyxl
from sqlalchemy import func, select

from conftest import proposal
from core.audit import AuditEvent
from core.extensions import db
from plan.models import Department
from projects.models import Project


def count(app, model=Project):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows(n=3):
    return [proposal(code=f"TC-2014-{i:03d}", name=f"政务视频会议系统{i}期") for i in range(1, n + 1)]


def write_json(path, items):
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def write_xlsx(path, items):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    keys = list(items[0])
    sheet.append(keys)
    for item in items:
        sheet.append(["、".join(v) if isinstance(v, list) else v for v in item.values()])
    workbook.save(path)
    return path


def test_json_import_creates_all_rows(runner, app, tmp_path):
    result = runner.invoke(args=["projects", "import", str(write_json(tmp_path / "p.json", rows()))])
    assert result.exit_code == 0, result.output
    assert "3 projects imported" in result.output
    assert count(app) == 3


def test_one_bad_row_changes_nothing_and_is_named(runner, app, tmp_path):
    items = rows(4)
    items[2]["budget_total"] = "-1"
    items[3]["department"] = "市不存在局"
    result = runner.invoke(args=["projects", "import", str(write_json(tmp_path / "p.json", items))])
    assert result.exit_code != 0
    assert "row 3, budget_total" in result.output and "row 4, department" in result.output
    assert count(app) == 0 and count(app, AuditEvent) == 0


def test_xlsx_import_names_the_spreadsheet_row(runner, app, tmp_path):
    items = rows(3)
    items[1]["end_date"] = "2001-01-01"
    result = runner.invoke(args=["projects", "import",
                                 str(write_xlsx(tmp_path / "p.xlsx", items))])
    assert result.exit_code != 0
    assert "row 3, end_date" in result.output  # header is row 1, so the second project is row 3
    assert count(app) == 0
    items[1]["end_date"] = "2014-06-30"
    result = runner.invoke(args=["projects", "import", str(write_xlsx(tmp_path / "p.xlsx", items))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.code == "TC-2014-002"))
        assert project.capabilities == "视频监控、治安防控" and str(project.budget_total) == "2500000.00"


def test_duplicate_codes_inside_one_file_are_refused(runner, app, tmp_path):
    items = rows(2)
    items[1]["code"] = items[0]["code"]
    result = runner.invoke(args=["projects", "import", str(write_json(tmp_path / "p.json", items))])
    assert result.exit_code != 0 and "row 2, code" in result.output
    assert count(app) == 0


def test_unknown_departments_are_created_only_when_asked(runner, app, tmp_path):
    path = write_json(tmp_path / "p.json", [proposal(department="市新区管委会")])
    assert runner.invoke(args=["projects", "import", str(path)]).exit_code != 0
    departments = count(app, Department)
    result = runner.invoke(args=["projects", "import", str(path), "--create-departments"])
    assert result.exit_code == 0, result.output
    assert count(app, Department) == departments + 1
    with app.app_context():
        db.session.execute(db.delete(Project))
        db.session.execute(db.delete(Department).where(Department.name == "市新区管委会"))
        db.session.commit()


def test_web_import_checks_then_confirms(web, app, tmp_path):
    office = web.as_user("office")
    bad = rows(2)
    bad[1]["plan_task"] = "T42"
    response = office.post("/projects/import/", data={
        "file": (io.BytesIO(json.dumps(bad, ensure_ascii=False).encode()), "bad.json")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "T42" in html and "<td>2</td><td>plan_task</td>" in html
    assert count(app) == 0
    data = write_xlsx(tmp_path / "ok.xlsx", rows(2)).read_bytes()
    response = office.post("/projects/import/", data={"file": (io.BytesIO(data), "ok.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and count(app) == 0
    html = response.get_data(as_text=True)
    token = html.split('name="token" value="')[1].split('"')[0]
    response = office.post("/projects/import/confirm", data={"token": token, "suffix": ".xlsx"})
    assert response.status_code == 302
    assert count(app) == 2
    assert office.post("/projects/import/confirm", data={"token": "../../etc",
                                                         "suffix": ".xlsx"}).status_code == 400


def test_project_manager_imports_only_its_departments_rows(web, app):
    items = rows(2)
    items[1]["department"] = "市水利局"
    response = web.as_user("pm").post("/projects/import/", data={
        "file": (io.BytesIO(json.dumps(items, ensure_ascii=False).encode()), "p.json")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "<td>2</td><td>department</td>" in \
        response.get_data(as_text=True)
    assert count(app) == 0


def test_template_download_lists_the_columns_and_valid_values(web):
    data = web.as_user("pm").get("/projects/import/template.xlsx").get_data()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    header = [c.value for c in workbook["projects"][1]]
    assert header[:4] == ["code", "name", "department", "plan_task"]
    values = workbook["valid values"]
    assert "市公安局" in [c.value for c in values["A"]]
    assert "T3.1" in [c.value for c in values["B"]]
