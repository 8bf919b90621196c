"""Compliance rules C01-C12: a project that passes, one that fails (with its evidence) and one
the rule does not apply to, for each rule."""
import datetime as dt

from sqlalchemy import delete

from core.extensions import db
from tests.reports_support import (approve, disburse, line, milestone, outcomes,
                                   submission_check)

D = dt.date


def test_rules_come_from_the_data_file(app):
    from reports.rules import active_rules, load_rules
    with app.app_context():
        rules = load_rules()
        assert [r.id for r in rules] == [f"C{n:02d}" for n in range(1, 13)]
        assert all(r.title_zh and r.title_en and r.checks and r.evidence for r in rules)
        active = [r.id for r in active_rules()]
        assert "C10" in active and "C12" in active


def test_c01_plan_task(app, make_project):
    from projects.models import project_plan_task
    good = make_project(code="TC-2013-001")
    bad = make_project(code="TC-2013-002")
    with app.app_context():
        db.session.execute(delete(project_plan_task).where(project_plan_task.c.project_id == bad))
        db.session.commit()
    result = outcomes(app, "C01")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and "T3" in result["TC-2013-002"][1]


def test_c02_duplicate_check_and_justifications(app, make_project):
    make_project(code="TC-2013-001")  # draft: not applicable
    stored = make_project("submitted", code="TC-2013-002")
    make_project("submitted", code="TC-2013-003")  # no check stored
    justified = make_project("approved", code="TC-2013-004")
    unjustified = make_project("approved", code="TC-2013-005")
    match = {"code": "TC-2012-009", "name": "x", "score": 0.8, "reasons": []}
    submission_check(app, stored)
    for pid in (justified, unjustified):
        submission_check(app, pid, flagged=1, matches=[match])
    approve(app, justified, duplicate_check={"matches": [match], "justifications": {
        "TC-2012-009": "二期扩容,复用一期平台"}})
    approve(app, unjustified, duplicate_check={"matches": [match], "justifications": {}})
    result = outcomes(app, "C02")
    assert result["TC-2013-001"][0] == "na"
    assert result["TC-2013-002"][0] == "pass"
    assert result["TC-2013-003"][0] == "fail"
    assert result["TC-2013-004"][0] == "pass"
    assert result["TC-2013-005"][0] == "fail" and "TC-2012-009" in result["TC-2013-005"][1]


def test_c03_no_disbursement_before_approval(app, make_project):
    on_time = make_project("approved", code="TC-2013-001")
    early = make_project("approved", code="TC-2013-002")
    unapproved = make_project("in_review", code="TC-2013-003")
    make_project("approved", code="TC-2013-004")  # nothing disbursed: not applicable
    for pid in (on_time, early):
        approve(app, pid, on=dt.datetime(2013, 3, 1, 9))
    disburse(app, line(app, on_time, "2500000", "100000"), "100000", D(2013, 3, 1))
    disburse(app, line(app, early, "2500000", "100000"), "100000", D(2013, 2, 27))
    disburse(app, line(app, unapproved, "2500000", "5000"), "5000", D(2013, 2, 1))
    result = outcomes(app, "C03")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail"
    assert "2013-02-27" in result["TC-2013-002"][1] and "2013-03-01" in result["TC-2013-002"][1]
    assert "100,000.00" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "fail"
    assert result["TC-2013-004"][0] == "na"


def test_c04_and_c05_funding(app, make_project):
    equal = make_project("approved", code="TC-2013-001")
    short = make_project("approved", code="TC-2013-002")
    make_project("draft", code="TC-2013-003")
    line(app, equal, "2500000.00", disbursed="900000", spent="800000")
    line(app, short, "2000000.00", disbursed="900000", spent="950000")  # spent above disbursed
    c04, c05 = outcomes(app, "C04"), outcomes(app, "C05")
    assert c04["TC-2013-001"][0] == "pass"
    assert c04["TC-2013-002"][0] == "fail" and "2,000,000.00" in c04["TC-2013-002"][1]
    assert c04["TC-2013-003"][0] == "na"
    assert c05["TC-2013-001"][0] == "pass"
    assert c05["TC-2013-002"][0] == "fail" and "2013" in c05["TC-2013-002"][1]
    assert c05["TC-2013-003"][0] == "na"


def test_c06_supervision(app, make_project):
    contracted = make_project("in_construction", code="TC-2013-001")
    make_project("in_construction", code="TC-2013-002")
    make_project("in_construction", code="TC-2013-003", budget_total="300000.00")
    milestone(app, contracted, "supervision_contract", D(2013, 2, 20), actual=D(2013, 2, 20))
    result = outcomes(app, "C06")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and "2,500,000.00" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "na"


def test_c07_security_assessment(app, make_project):
    done = make_project("accepted", code="TC-2013-001")
    not_done = make_project("accepted", code="TC-2013-002")
    make_project("approved", code="TC-2013-003")  # level 3, none planned
    make_project("accepted", code="TC-2013-004")  # no protection level: not applicable
    with app.app_context():
        from projects.models import Project
        for project in db.session.query(Project).filter(Project.code != "TC-2013-004"):
            project.protection_level = 3
        db.session.commit()
    milestone(app, done, "security_assessment", D(2013, 11, 1), actual=D(2013, 11, 5))
    milestone(app, not_done, "security_assessment", D(2013, 11, 1))
    result = outcomes(app, "C07")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail"
    assert result["TC-2013-003"][0] == "fail" and "3" in result["TC-2013-003"][1]
    assert result["TC-2013-004"][0] == "na"


def test_c08_overdue_milestones_need_a_note(app, make_project):
    noted = make_project("in_construction", code="TC-2013-001")
    silent = make_project("in_construction", code="TC-2013-002")
    recent = make_project("in_construction", code="TC-2013-003")
    milestone(app, noted, "tender", D(2014, 1, 10), note="招标流标,重新招标")
    milestone(app, silent, "tender", D(2014, 1, 10))
    milestone(app, silent, "contract", D(2014, 2, 10), note="   ")
    milestone(app, recent, "tender", D(2014, 6, 28))  # within the grace days
    result = outcomes(app, "C08")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail"
    assert "2014-01-10" in result["TC-2013-002"][1] and "2" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "pass"


def test_c09_acceptance_and_final_accounts_audit(app, make_project):
    good = make_project("in_operation", code="TC-2013-001")
    late = make_project("in_operation", code="TC-2013-002")
    make_project("in_operation", code="TC-2013-003")  # no final acceptance
    make_project("in_construction", code="TC-2013-004")
    for pid in (good, late):
        milestone(app, pid, "final_acceptance", D(2013, 6, 1), actual=D(2013, 6, 1))
    milestone(app, good, "final_accounts_audit", D(2013, 9, 1), actual=D(2013, 9, 1))
    milestone(app, late, "final_accounts_audit", D(2013, 9, 1))
    result = outcomes(app, "C09")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and "2013-11-28" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "fail"
    assert result["TC-2013-004"][0] == "na"


def test_c10_cost_variance(app, make_project):
    from budgets.models import BudgetChange
    from decimal import Decimal
    small = make_project("in_construction", code="TC-2013-001")
    pending = make_project("in_construction", code="TC-2013-002")
    rebased = make_project("in_construction", code="TC-2013-003")
    make_project("draft", code="TC-2013-004")

    def change(pid, new, status):
        return BudgetChange(project_id=pid, reason="扩容", old_budget_total=Decimal("2500000"),
                            new_budget_total=Decimal(new), status=status, requested_by="pm")
    from tests.reports_support import add
    add(app, change(small, "2600000", "pending"), change(pending, "3000000", "pending"),
        change(rebased, "3000000", "approved"))
    result = outcomes(app, "C10")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and "20.0%" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "pass"
    assert result["TC-2013-004"][0] == "na"


def test_c12_post_evaluation(app, make_project):
    good = make_project("evaluated", code="TC-2013-001")
    late = make_project("in_operation", code="TC-2013-002")
    young = make_project("in_operation", code="TC-2013-003")
    milestone(app, good, "final_acceptance", D(2012, 6, 1), actual=D(2012, 6, 1))
    milestone(app, good, "post_evaluation", D(2013, 5, 1), actual=D(2013, 5, 20))
    milestone(app, late, "final_acceptance", D(2013, 1, 1), actual=D(2013, 1, 1))
    milestone(app, young, "final_acceptance", D(2014, 1, 1), actual=D(2014, 1, 1))
    result = outcomes(app, "C12")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and "2014-01-01" in result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "pass"


def test_filters_narrow_the_projects(app, make_project):
    from plan.models import Department
    from sqlalchemy import select
    make_project(code="TC-2013-001")
    make_project(code="TC-2013-002", department="市水利局", plan_task="T2",
                 start_date="2015-01-01", end_date="2015-12-31")
    with app.app_context():
        water = db.session.scalar(select(Department).where(Department.name == "市水利局"))
    assert set(outcomes(app, "C01", department=water)) == {"TC-2013-002"}
    assert set(outcomes(app, "C01", date_to=D(2014, 1, 1))) == {"TC-2013-001"}


def test_c11_high_risks_need_an_owner_a_mitigation_and_a_review(app, make_project):
    """With the risk register installed: a high risk without owner, mitigation or a review
    within 30 days fails; a kept one passes; a project without high risks is not applicable."""
    from core.audit import acting_as
    from risk.models import Risk
    from reports.rules import active_rules
    with app.app_context():
        assert "C11" in [r.id for r in active_rules()]
    kept = make_project("in_construction", code="TC-2013-001")
    neglected = make_project("in_construction", code="TC-2013-002")
    make_project("in_construction", code="TC-2013-003")
    with app.app_context(), acting_as("fixture"):
        db.session.add(Risk(project_id=kept, category="technical", title="接口不稳定",
                            likelihood=4, impact=4, score=16, status="open", raised_by="pm",
                            owner="张工", mitigation="增加联调轮次",
                            next_review=D(2014, 7, 15)))
        db.session.add(Risk(project_id=neglected, category="technical", title="接口不稳定",
                            likelihood=4, impact=4, score=16, status="open", raised_by="pm"))
        db.session.commit()
    result = outcomes(app, "C11")
    assert result["TC-2013-001"][0] == "pass"
    assert result["TC-2013-002"][0] == "fail" and result["TC-2013-002"][1]
    assert result["TC-2013-003"][0] == "na"
