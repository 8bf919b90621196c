"""The review desk: the approval rule judges the check the reviewer was shown, a refusal keeps
what was typed, settlements carry forward across stages unless the match changed, and one
entry covers a family of matches."""
from sqlalchemy import select

from conftest import get_project
from core.extensions import db
from projects.guard.models import DuplicateCheck
from projects.models import Review
from test_guard import SMS, SMS_AGAIN

SMS_PHASE_2 = dict(SMS, code="TC-2013-104", name="全市政务短信服务平台二期",
                   description="扩展全市统一的政务短信平台,对接移动、联通、电信短信网关,"
                               "为各部门提供会议通知和预警信息群发。")


def _in_review_at_proposal(app, make_project):
    make_project(status="in_operation", **SMS)
    project_id = make_project(status="draft", funded=True, **SMS_AGAIN)
    with app.app_context():
        project = get_project(project_id)
        project.status = "in_review"
        db.session.commit()
    return project_id


def _shown_check_id(office, project_id):
    page = office.get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert 'name="check_id"' in page
    with office.application.app_context():
        return db.session.scalar(select(DuplicateCheck.id).where(
            DuplicateCheck.project_id == project_id, DuplicateCheck.trigger == "review")
            .order_by(DuplicateCheck.id.desc()))


def _stage(app, project_id):
    from projects.reviews import current_stage
    with app.app_context():
        return current_stage(get_project(project_id))


def test_the_rule_judges_the_list_the_reviewer_was_shown(web, app, make_project):
    project_id = _in_review_at_proposal(app, make_project)
    office = web.as_user("office")
    check_id = _shown_check_id(office, project_id)
    make_project(status="in_operation", **SMS_PHASE_2)  # a new match after the page was drawn
    response = office.post(f"/projects/decide/{project_id}", data={
        "decision": "approve", "check_id": check_id,
        "settle_TC-2013-101": "not_duplicate", "justify_TC-2013-101": "防汛预警需北斗短报文。"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _stage(app, project_id) == "feasibility"
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.project_id == project_id))
        assert [m["code"] for m in review.duplicate_check["matches"]] == ["TC-2013-101"]
        assert review.duplicate_check["check_id"] == check_id


def test_a_refused_decision_keeps_the_input_and_marks_the_missing_box(web, app, make_project):
    project_id = _in_review_at_proposal(app, make_project)
    office = web.as_user("office")
    check_id = _shown_check_id(office, project_id)
    response = office.post(f"/projects/decide/{project_id}", data={
        "decision": "approve", "check_id": check_id, "comment": "符合规划,同意立项。",
        "conditions": "须接入市政务短信平台。"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "符合规划,同意立项。" in page and "须接入市政务短信平台。" in page
    assert 'id="decision-refusal"' in page
    assert 'settlement has-error" data-family="TC-2013-101"' in page
    assert _stage(app, project_id) == "proposal"


def test_a_reuse_choice_records_the_link_and_settles_the_match(web, app, make_project):
    project_id = _in_review_at_proposal(app, make_project)
    office = web.as_user("office")
    check_id = _shown_check_id(office, project_id)
    response = office.post(f"/projects/decide/{project_id}", data={
        "decision": "approve", "check_id": check_id, "settle_TC-2013-101": "reuse"})
    assert response.status_code == 302
    with app.app_context():
        project = get_project(project_id)
        assert [p.code for p in project.reuses] == ["TC-2013-101"]
        review = project.reviews[-1]
        assert review.duplicate_check["settlements"]["TC-2013-101"]["kind"] == "reuse"
        assert review.duplicate_check["justifications"]["TC-2013-101"]


def test_settlements_carry_forward_to_the_next_stages(web, app, make_project):
    project_id = _in_review_at_proposal(app, make_project)
    office = web.as_user("office")
    office.post(f"/projects/decide/{project_id}", data={
        "decision": "approve", "check_id": _shown_check_id(office, project_id),
        "settle_TC-2013-101": "not_duplicate", "justify_TC-2013-101": "断网时经北斗短报文发送。"})
    for stage in ("feasibility", "design"):
        assert _stage(app, project_id) == stage
        page = office.get(f"/projects/show/{project_id}").get_data(as_text=True)
        assert "断网时经北斗短报文发送。" in page and 'class="help-block carried"' in page
        response = office.post(f"/projects/decide/{project_id}", data={
            "decision": "approve", "check_id": _shown_check_id(office, project_id)})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        project = get_project(project_id)
        assert project.status == "approved"
        final = project.reviews[-1].duplicate_check
        assert final["justifications"]["TC-2013-101"] == "断网时经北斗短报文发送。"
        assert final["settlements"]["TC-2013-101"]["carried_from"] == "feasibility"


def test_a_changed_match_is_not_carried(app):
    from projects.desk import carried
    earlier = {"X": {"kind": "not_duplicate", "text": "t", "score": 0.5, "stage": "proposal",
                     "justification": "t"}}
    assert carried({"code": "X", "score": 0.53}, earlier)
    assert carried({"code": "X", "score": 0.7}, earlier) is None
    assert carried({"code": "Y", "score": 0.5}, earlier) is None


def test_one_entry_covers_a_family_of_matches(web, app, make_project):
    make_project(status="in_operation", **SMS_PHASE_2)
    project_id = _in_review_at_proposal(app, make_project)
    office = web.as_user("office")
    page = office.get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert page.count('class="form-group settlement') == 1  # the two phases: one entry
    response = office.post(f"/projects/decide/{project_id}", data={
        "decision": "approve", "check_id": _shown_check_id(office, project_id),
        "settle_TC-2013-101": "later_phase", "justify_TC-2013-101": "市平台三期前的过渡"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        frozen = get_project(project_id).reviews[-1].duplicate_check
        assert set(frozen["justifications"]) == {"TC-2013-101", "TC-2013-104"}
        assert all(v["kind"] == "later_phase" for v in frozen["settlements"].values())


def test_the_same_system_of_another_department_is_settled_on_its_own(web, app, make_project):
    """Two SMS platforms of the same name, one of each bureau: two entries, not "2 phases"."""
    make_project(status="in_operation", **dict(SMS_PHASE_2, department="市公安局"))
    project_id = _in_review_at_proposal(app, make_project)
    page = web.as_user("office").get(f"/projects/show/{project_id}").get_data(as_text=True)
    assert page.count('class="form-group settlement') == 2
    assert "个阶段共用一条说明" not in page


def test_a_family_settled_two_ways_earlier_is_not_prefilled_with_one_of_them(app):
    from types import SimpleNamespace

    from projects.desk import form_groups
    earlier = SimpleNamespace(decision="approve", stage="proposal", duplicate_check={
        "matches": [{"code": "A1", "score": 0.6}, {"code": "A2", "score": 0.6}],
        "justifications": {"A1": "依托该平台", "A2": "不同内容"},
        "settlements": {"A1": {"kind": "reuse", "text": "依托该平台"},
                        "A2": {"kind": "not_duplicate", "text": "不同内容"}}})
    project = SimpleNamespace(reviews=[earlier], reuses=[])
    matches = [{"code": "A1", "name": "全市视频会议系统", "score": 0.6},
               {"code": "A2", "name": "全市视频会议系统二期", "score": 0.6}]
    with app.app_context():
        (row,) = form_groups(project, matches)
        assert (row["kind"], row["text"], row["carried_from"]) == ("", "", None)
        project.reviews[0].duplicate_check["settlements"]["A2"] = {"kind": "reuse",
                                                                   "text": "依托该平台"}
        project.reviews[0].duplicate_check["justifications"]["A2"] = "依托该平台"
        (row,) = form_groups(project, matches)
        assert (row["kind"], row["carried_from"]) == ("reuse", "proposal")


def test_family_key_strips_phase_words():
    from projects.desk import family_key
    assert family_key("全市政务短信服务平台二期") == family_key("全市政务短信服务平台（一期）")
    assert family_key("城区视频监控扩容工程") == family_key("城区视频监控")
