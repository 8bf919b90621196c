"""Funding lines from xlsx, by CLI and web upload: all rows or none, errors by row and column."""
import io

import openpyxl

from budget_helpers import counts


def workbook(rows, header=("project", "source", "year", "amount", "note")):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [("TC-2013-001", "市本级财政", 2013, "2000000.00", "一期"),
        ("TC-2013-001", "social", 2013, 500000, None)]


def test_cli_imports_every_row(runner, app, make_project, tmp_path):
    make_project()
    path = tmp_path / "lines.xlsx"
    path.write_bytes(workbook(GOOD))
    result = runner.invoke(args=["budgets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 funding lines imported" in result.output
    assert counts(app)["amounts"] == ["2000000.00", "500000.00"]


def test_one_bad_row_imports_nothing_and_names_row_and_column(runner, app, make_project,
                                                              tmp_path):
    make_project()
    make_project(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统",
                 status="approved")
    rows = GOOD + [("TC-2013-001", "国外资金", 2013, "1.00", None),
                   ("TC-2013-001", "municipal", 2019, "1.00", None),
                   ("TC-2013-001", "central", 2013, 12.345, None),
                   ("TC-2013-050", "central", 2013, "1.00", None)]
    path = tmp_path / "lines.xlsx"
    path.write_bytes(workbook(rows))
    before = counts(app)
    result = runner.invoke(args=["budgets", "import", str(path)])
    assert result.exit_code != 0
    for expected in ("row 4, source", "row 5, year", "row 6, amount", "row 7, "):
        assert expected in result.output, result.output
    assert counts(app) == before


def test_web_upload_shows_errors_or_imports_all(web, app, make_project):
    make_project()
    pm = web.as_user("pm")
    before = counts(app)
    bad = workbook(GOOD + [("TC-2013-001", "municipal", 2013, "-1", None)])
    response = pm.post("/budgets/import/", data={"file": (io.BytesIO(bad), "lines.xlsx")},
                       content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<td>4</td><td>amount</td>" in html
    assert counts(app) == before
    response = pm.post("/budgets/import/", data={"file": (io.BytesIO(workbook(GOOD)), "l.xlsx")},
                       content_type="multipart/form-data")
    assert response.status_code == 302
    assert counts(app)["FundingLine"] == 2


def test_project_manager_imports_only_for_its_own_department(web, app, make_project):
    make_project(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统")
    before = counts(app)
    response = web.as_user("pm").post(
        "/budgets/import/", content_type="multipart/form-data",
        data={"file": (io.BytesIO(workbook([("TC-2013-050", "municipal", 2013, "1.00")])),
                       "l.xlsx")})
    assert response.status_code == 422
    assert counts(app) == before


def test_template_lists_the_sources(web):
    data = web.as_user("pm").get("/budgets/import/template.xlsx").get_data()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.value for c in book.worksheets[0][1]] == ["project", "source", "year", "amount",
                                                        "note"]
    assert "社会资本/PPP" in [row[1].value for row in book.worksheets[1].iter_rows()]
