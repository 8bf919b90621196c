"""Evidence files: pdf, office documents and images recognised by content; refused for a
wrong type, an oversized file and a name with a path; kept outside the web root under a
generated name; downloaded only by those who may see the project."""
import io
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.extensions import db
from schedule_support import milestone_id, plan_milestones

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<html><script>alert(document.cookie)</script></html>"


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def contract(app, make_project):
    pid = make_project(status="approved", budget_total="500000.00")
    plan_milestones(app, pid)
    return milestone_id(app, pid, "contract")


def upload(client, mid, data, name):
    return client.post(f"/milestones/upload/{mid}", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def stored_files(app):
    from projects.schedule.models import EvidenceFile
    with app.app_context():
        return list(db.session.scalars(select(EvidenceFile)))


def test_a_pdf_is_kept_under_a_generated_name_and_downloads(web, app, contract):
    pm = web.as_user("pm")
    page = upload(pm, contract, PDF, "合同扫描件.pdf").get_data(as_text=True)
    assert "合同扫描件.pdf" in page
    [evidence] = stored_files(app)
    path = Path(app.config["UPLOAD_DIR"]) / "evidence" / evidence.stored_name
    assert path.read_bytes() == PDF and evidence.kind == "pdf"
    assert "合同" not in evidence.stored_name and evidence.stored_name.endswith(".pdf")
    assert not str(path).startswith(os.path.join(app.root_path, "static"))
    response = web.as_user("pm2").get(f"/schedule/evidence/{evidence.id}")
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, name", [(PNG, "现场照片.png"), (docx_bytes(), "验收报告.docx"),
                                        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                                         "旧版文档.doc")])
def test_images_and_office_documents_are_accepted(web, app, contract, data, name):
    upload(web.as_user("pm"), contract, data, name)
    assert [e.name for e in stored_files(app)] == [name]


@pytest.mark.parametrize("data, name", [(EXE, "report.pdf"), (HTML, "report.pdf"),
                                        (EXE, "setup.exe"), (PDF, "report.docx"),
                                        (b"PK\x03\x04not really a zip", "table.xlsx")])
def test_a_file_whose_content_is_not_what_is_accepted_is_refused(web, app, contract, data,
                                                                 name):
    folder = Path(app.config["UPLOAD_DIR"]) / "evidence"
    before = set(folder.glob("*"))
    page = upload(web.as_user("pm"), contract, data, name).get_data(as_text=True)
    assert "alert-danger" in page
    assert stored_files(app) == []
    assert set(folder.glob("*")) == before


def test_an_oversized_file_is_refused(web, app, contract):
    limit = app.config["EVIDENCE_MAX_BYTES"]
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    try:
        page = upload(web.as_user("pm"), contract, PDF + b"0" * 2048, "big.pdf")
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = limit
    assert "alert-danger" in page.get_data(as_text=True)
    assert stored_files(app) == []


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "/etc/x.pdf", ".htaccess"])
def test_a_name_with_a_path_is_refused(api, app, contract, name):
    response = api.as_user("pm").post(f"/api/v1/milestone/{contract}/evidence",
                                      data={"file": (io.BytesIO(PDF), name)},
                                      content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert "file" in response.get_json()["errors"]
    assert stored_files(app) == []
    assert not (Path(app.config["UPLOAD_DIR"]).parent / "x.pdf").exists()


def test_api_upload_and_who_may_upload(api, app, contract):
    ok = api.as_user("pm").post(f"/api/v1/milestone/{contract}/evidence",
                                data={"file": (io.BytesIO(PDF), "合同.pdf")},
                                content_type="multipart/form-data")
    assert ok.status_code == 201 and ok.get_json()["kind"] == "pdf"
    for user in ("pm2", "office", "auditor"):
        refused = api.as_user(user).post(f"/api/v1/milestone/{contract}/evidence",
                                         data={"file": (io.BytesIO(PDF), "合同.pdf")},
                                         content_type="multipart/form-data")
        assert refused.status_code == 403, user
    with app.app_context():
        from projects.schedule.models import EvidenceFile
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 1


def test_evidence_of_a_project_the_user_may_not_see_is_not_found(web, app, make_project):
    from core.audit import acting_as
    from projects.models import Project
    from projects.schedule import evidence
    from projects.schedule.models import Milestone
    pid = make_project(code="TC-2013-050", department="市水利局", name="防汛抗旱指挥系统")
    with app.test_request_context(), acting_as("fixture"):
        milestone = Milestone(project=db.session.get(Project, pid), type="tender",
                              planned_date=db.session.get(Project, pid).start_date,
                              baseline_date=db.session.get(Project, pid).start_date)
        db.session.add(milestone)
        stored = evidence.store(milestone, "招标文件.pdf", io.BytesIO(PDF))
        db.session.commit()
        evidence_id, mid = stored.id, milestone.id
    assert web.as_user("pm").get(f"/schedule/evidence/{evidence_id}").status_code == 404
    assert web.as_user("pm").get(f"/milestones/show/{mid}").status_code == 404
    assert web.as_user("pm2").get(f"/schedule/evidence/{evidence_id}").status_code == 200
