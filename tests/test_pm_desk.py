"""What a ProjectManager sees: the Office's return in a banner with the action, the funding
plan checked at submission, and no form or icon the rules would refuse."""
import re

from conftest import fund_fully, get_project
from core.extensions import db


def _returned(app, make_project):
    from core.audit import acting_as
    from projects.models import Review
    project_id = make_project("returned", code="TC-2013-001")
    with app.app_context(), acting_as("office"):
        project = get_project(project_id)
        project.reviews.append(Review(stage="proposal", decision="return", reviewer="office",
                                      comments="1. 请补充与市视频共享平台的整合方案;\n2. 请说明资金来源。"))
        db.session.commit()
    return project_id


def test_a_returned_proposal_shows_the_comments_in_a_banner_with_the_action(app, make_project,
                                                                              web):
    project_id = _returned(app, make_project)
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project_id}").get_data(as_text=True)
    banner = page.split('id="returned-banner"')[1].split("</div>")[0]
    assert "请补充与市视频共享平台的整合方案" in banner and "请说明资金来源" in banner
    assert "修改并重新提交" in banner and f"/projects/edit/{project_id}" in banner
    home = pm.get("/").get_data(as_text=True)
    assert "请说明资金来源" in home and "修改并重新提交" in home
    other = web.as_user("pm2").get(f"/projects/show/{project_id}")
    assert other.status_code == 404 or 'id="revise-and-resubmit"' not in other.get_data(
        as_text=True)


def test_submission_asks_to_confirm_a_funding_plan_short_of_the_budget(app, make_project, web):
    project_id = make_project("draft", code="TC-2013-001")
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert 'id="submit-funding-prompt"' in page and 'id="confirm-funding"' in page
    pm.post(f"/projects/transition/{project_id}", data={"to": "submitted"})
    with app.app_context():
        assert get_project(project_id).status == "draft"
    pm.post(f"/projects/transition/{project_id}", data={"to": "submitted",
                                                        "confirm_funding": "1"})
    with app.app_context():
        assert get_project(project_id).status == "submitted"


def test_block_mode_refuses_and_a_full_plan_needs_no_confirmation(app, make_project, web):
    blocked = make_project("draft", code="TC-2013-001")
    funded = make_project("draft", code="TC-2013-002")
    fund_fully(app, funded)
    pm = web.as_user("pm")
    app.config["FUNDING_PLAN_AT_SUBMISSION"] = "block"
    try:
        page = pm.get(f"/projects/show/{blocked}").get_data(as_text=True)
        assert 'id="confirm-funding"' not in page and "disabled" in page
        pm.post(f"/projects/transition/{blocked}", data={"to": "submitted",
                                                         "confirm_funding": "1"})
        assert 'id="submit-funding-prompt"' not in pm.get(
            f"/projects/show/{funded}").get_data(as_text=True)
        pm.post(f"/projects/transition/{funded}", data={"to": "submitted"})
    finally:
        app.config["FUNDING_PLAN_AT_SUBMISSION"] = "confirm"
    with app.app_context():
        assert get_project(blocked).status == "draft"
        assert get_project(funded).status == "submitted"


def test_no_form_or_icon_the_user_cannot_use(app, make_project, web):
    in_review = make_project("in_review", code="TC-2013-001")
    make_project("approved", code="TC-2013-002", department="市水利局")
    make_project("draft", code="TC-2013-003")
    pm = web.as_user("pm")
    assert 'id="add-line"' not in pm.get(f"/projects/show/{in_review}").get_data(as_text=True)
    listing = pm.get("/projects/list/").get_data(as_text=True)
    assert listing.count("/projects/edit/") == 1  # only the own draft
    assert listing.count("fa-edit") <= 1


def test_the_add_form_suggests_the_next_code_and_lists_tasks_in_tree_order(app, make_project,
                                                                          web):
    from plan.models import Department
    from sqlalchemy import select
    from core import clock
    with app.app_context():
        police = db.session.scalar(select(Department).where(Department.name == "市公安局")).code
    year = clock.today().year
    make_project("draft", code=f"{police}-{year}-007")
    page = web.as_user("pm").get("/projects/add").get_data(as_text=True)
    assert f'value="{police}-{year}-008"' in page
    select_html = page.split('name="primary_task"')[1].split("</select>")[0]
    options = [text.split(" ")[0] for text in
               re.findall(r"<option[^>]*>([^<]*)</option>", select_html)]
    assert options[0] in ("", "请选择规划任务")  # no task chosen for the user
    codes = options[1:]
    assert "P" not in codes and "T" not in codes and "G" not in codes  # no sections
    assert codes.index("T1") < codes.index("T2") < codes.index("T3")
    assert codes.index("T3") < codes.index("T3.1") < codes.index("T4")


def test_register_a_risk_from_the_project_and_come_back(app, make_project, web):
    project_id = make_project("in_construction", code="TC-2013-001")
    other = make_project("in_construction", code="TC-2013-002")  # noqa: F841
    pm = web.as_user("pm")
    page = pm.get(f"/projects/show/{project_id}").get_data(as_text=True)
    link = page.split('id="add-risk"')[0].rsplit('href="', 1)[1].split('"')[0].replace(
        "&amp;", "&")
    assert f"_flt_0_project={project_id}" in link
    form = pm.get(link).get_data(as_text=True)
    assert 'name="project"' not in form  # the project is the one it came from
    response = pm.post(link, data={"category": "technical", "title": "接口标准未统一",
                                   "likelihood": "3", "impact": "3"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/show/{project_id}")
    from risk.models import Risk
    from sqlalchemy import select
    with app.app_context():
        assert db.session.scalar(select(Risk.project_id).where(
            Risk.title == "接口标准未统一")) == project_id


def test_the_auditor_has_no_import_menu(app, web):
    page = web.as_user("auditor").get("/").get_data(as_text=True)
    assert "/budgets/import" not in page and "/projects/import" not in page


def test_a_page_the_role_may_not_open_says_so_in_chinese(app, web):
    """An Auditor who types the import address gets a page in the app's frame that says why
    (was werkzeug's English "Forbidden"); a missing page likewise."""
    auditor = web.as_user("auditor")
    refused = auditor.get("/budgets/import/")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "Forbidden" not in page and "无权访问" in page and "navbar" in page
    missing = auditor.get("/projects/show/999999")
    assert missing.status_code == 404 and "Not Found" not in missing.get_data(as_text=True)
