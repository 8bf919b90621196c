"""Imports of many rows run as a background job (issue 15): more rows than IMPORT_JOB_ROWS and
the web form, the API (and the CLI when asked) queue the same import, all rows or none; the
job's page follows it and its result lists every row."""
import io
import json

import openpyxl
import pytest

from test_import import count, rows, write_xlsx


@pytest.fixture
def few_rows_per_request(app, monkeypatch):
    """A file of more than 5 rows is imported by a job (the default is 500)."""
    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 5)


def _job(app, job_id):
    from core.extensions import db
    from core.jobs import Job
    with app.app_context():
        db.session.expire_all()
        return db.session.get(Job, job_id)


def _upload(client, items, name="p.xlsx", tmp_path=None):
    data = write_xlsx(tmp_path / name, items).read_bytes()
    return client.post("/projects/import/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_web_import_of_many_rows_runs_as_a_job_that_lists_the_rows(
        web, app, tmp_path, few_rows_per_request):
    office = web.as_user("office")
    response = _upload(office, rows(12), tmp_path=tmp_path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-background"' in html and "12" in html
    assert count(app) == 0  # nothing checked in the request
    token = html.split('name="token" value="')[1].split('"')[0]
    response = office.post("/projects/import/confirm", data={"token": token, "suffix": ".xlsx"})
    assert response.status_code == 302 and "/jobs/" in response.location
    job_id = response.location.rstrip("/").split("/")[-1]
    status = office.get(f"/jobs/{job_id}.json").get_json()
    assert status["done"] and status["download"] and "12" in status["message"]
    assert count(app) == 12
    page = office.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-download"' in page
    book = openpyxl.load_workbook(io.BytesIO(office.get(f"/jobs/{job_id}/download").data))
    listed = list(book.active.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in listed] == [f"TC-2014-{i:03d}" for i in range(1, 13)]
    assert {r[3] for r in listed} == {"已导入"}
    assert web.as_user("pm").get(f"/jobs/{job_id}.json").status_code == 404  # the starter's


def test_a_job_import_with_a_bad_row_imports_nothing_and_names_it(
        web, app, tmp_path, few_rows_per_request):
    office = web.as_user("office")
    items = rows(8)
    items[6]["budget_total"] = "-1"
    html = _upload(office, items, tmp_path=tmp_path).get_data(as_text=True)
    token = html.split('name="token" value="')[1].split('"')[0]
    response = office.post("/projects/import/confirm", data={"token": token, "suffix": ".xlsx"})
    job_id = response.location.rstrip("/").split("/")[-1]
    job = _job(app, job_id)
    assert job.status == "done" and "1" in job.message and count(app) == 0
    book = openpyxl.load_workbook(io.BytesIO(office.get(f"/jobs/{job_id}/download").data))
    listed = {r[0]: r for r in book.active.iter_rows(min_row=2, values_only=True)}
    assert listed[8][4] == "budget_total" and listed[8][5]  # spreadsheet row 8: the 7th item
    assert len(listed) == 8 and listed[2][3] != "已导入"


def test_api_import_answers_201_for_few_rows_and_202_with_a_job_for_many(
        api, app, tmp_path, few_rows_per_request):
    office = api.as_user("office")
    few = write_xlsx(tmp_path / "few.xlsx", rows(3)).read_bytes()
    response = office.post("/api/v1/project/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(few), "few.xlsx")})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["codes"] == ["TC-2014-001", "TC-2014-002", "TC-2014-003"]
    many = [dict(item, code=f"TC-2015-{n:03d}") for n, item in enumerate(rows(9), start=1)]
    response = office.post("/api/v1/project/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(json.dumps(
                               many, ensure_ascii=False).encode()), "many.json")})
    assert response.status_code == 202, response.get_json()
    answer = office.get(response.get_json()["status"]).get_json()
    assert answer["job"]["done"] and count(app) == 12
    assert [r["code"] for r in answer["rows"]] == [f"TC-2015-{n:03d}" for n in range(1, 10)]
    assert {r["result"] for r in answer["rows"]} == {"imported"}
    assert api.as_user("pm").get(response.get_json()["status"]).status_code == 404


def test_api_import_refusals(api, app, tmp_path):
    office = api.as_user("office")
    assert office.post("/api/v1/project/import", content_type="multipart/form-data",
                       data={}).status_code == 400
    bad = rows(2)
    bad[1]["plan_task"] = "T42"
    response = office.post("/api/v1/project/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(json.dumps(
                               bad, ensure_ascii=False).encode()), "bad.json")})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["row"] == 2 and count(app) == 0


def test_cli_queues_a_background_import_when_asked(runner, app, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", rows(4))
    result = runner.invoke(args=["projects", "import", str(path), "--background"])
    assert result.exit_code == 0, result.output
    assert "queued (4 rows)" in result.output and count(app) == 4  # immediate mode in tests
    assert path.exists()  # the job imported its own copy
