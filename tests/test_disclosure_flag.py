"""不予公开: the Office withholds a project with a reason (audited); the public page, its CSV
and the scorecard's disclosure share honour it."""
import csv
import io

from sqlalchemy import select

from conftest import get_project
from core.audit import AuditEvent
from core.extensions import db


def test_the_office_withholds_a_project_with_a_reason(app, make_project, web):
    secret = make_project("in_construction", code="TC-2013-001", name="涉密网络改造")
    make_project("in_construction", code="TC-2013-002", name="城区视频监控二期")
    office = web.as_user("office")
    refused = office.post(f"/projects/withhold/{secret}", data={"withheld": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "不予公开" in refused or "withheld" in refused.lower()
    with app.app_context():
        assert not get_project(secret).withheld
    office.post(f"/projects/withhold/{secret}", data={
        "withheld": "1", "withheld_reason": "涉及国家秘密的涉密网络"})
    with app.app_context():
        project = get_project(secret)
        assert project.withheld and project.withheld_reason == "涉及国家秘密的涉密网络"
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "project", AuditEvent.entity_id == secret,
            AuditEvent.field == "withheld")))
        assert events and events[-1].actor == "office"
    public = app.test_client()
    page = public.get("/disclosure/").get_data(as_text=True)
    assert "城区视频监控二期" in page and "涉密网络改造" not in page
    data = public.get("/disclosure/csv").get_data(as_text=True).lstrip("\ufeff")
    assert [r[0] for r in list(csv.reader(io.StringIO(data)))[1:]] == ["TC-2013-002"]


def test_only_the_office_sets_the_flag(app, make_project, web):
    project_id = make_project("in_construction", code="TC-2013-001")
    for user in ("pm", "auditor"):
        web.as_user(user).post(f"/projects/withhold/{project_id}", data={
            "withheld": "1", "withheld_reason": "x"})
    with app.app_context():
        assert not get_project(project_id).withheld
    page = web.as_user("pm").get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert 'id="withhold-form"' not in page


def test_the_scorecard_counts_withheld_projects_as_not_disclosed(app, make_project):
    from core.audit import acting_as
    from projects.disclosure_flag import set_withheld
    from reports.scorecard import department_scorecard
    make_project("in_operation", code="TC-2013-001", contractor="某公司")
    withheld = make_project("in_operation", code="TC-2013-002", contractor="某公司")
    with app.test_request_context(), acting_as("office"):
        set_withheld(get_project(withheld), True, "监管场所安全防范设施", None)
        db.session.commit()
        cards = department_scorecard()
        card = next(c for c in cards if c.values.get("disclosure_share") is not None)
        assert card.values["disclosure_share"] == 0.5
