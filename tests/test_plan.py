"""The plan loads faithfully from data/ and a reload changes nothing."""
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.extensions import db
from plan.models import Plan, PlanTask
from plan.services import load_plan


def _count(**where):
    query = select(func.count()).select_from(PlanTask)
    for key, value in where.items():
        query = query.where(getattr(PlanTask, key) == value)
    return db.session.scalar(query)


def test_plan_sections_and_tasks_match_the_plan_text(ctx):
    sections = {t.code: t for t in db.session.scalars(select(PlanTask).where(PlanTask.level == 0))}
    assert set(sections) == {"P", "T", "G"}
    tasks = {code: [c.code for c in section.children] for code, section in sections.items()}
    assert tasks["P"] == ["P1", "P2", "P3", "P4"]
    assert tasks["T"] == ["T1", "T2", "T3", "T4", "T5"]
    assert tasks["G"] == ["G1", "G2", "G3", "G4", "G5"]
    t3 = db.session.scalar(select(PlanTask).where(PlanTask.code == "T3"))
    assert "应急指挥" in t3.title
    assert [c.code for c in t3.children][:2] == ["T3.1", "T3.2"]
    assert all(c.description for c in t3.children)
    g1 = db.session.scalar(select(PlanTask).where(PlanTask.code == "G1"))
    assert "重复建设" in g1.description
    plan = db.session.scalar(select(Plan))
    assert (plan.period_start, plan.period_end) == (2011, 2015)
    assert "塔城市" in plan.title


def test_every_task_text_is_quoted_from_the_plan(ctx, app):
    from pathlib import Path
    source = Path(app.root_path, "data", "tacheng-egov-12th-five-year-plan.zh.txt")
    text = "".join(source.read_text(encoding="utf-8").split())
    tasks = list(db.session.scalars(select(PlanTask).where(PlanTask.level >= 1)))
    assert len(tasks) == 4 + 22 + 22  # P1-P4; T1-T5 with 17 sub-points; G1-G5 with 17
    for task in tasks:
        for line in (task.description or "").split("\n"):
            assert "".join(line.split()) in text, task.code


def test_reloading_the_plan_changes_nothing(ctx, app):
    before = _count()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = load_plan(app.config["PLAN_FILE"])
    db.session.commit()
    assert result["changed"] == 0
    assert _count() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_plan_load_command_reports_counts(runner):
    result = runner.invoke(args=["plan", "load"])
    assert result.exit_code == 0, result.output
    assert "'P': 4" in result.output and "changed rows: 0" in result.output


def test_plan_tree_page_shows_tasks_to_every_role(web):
    for user in ("pm", "auditor", "office"):
        page = web.as_user(user).get("/plan/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "T3.1" in html and "保障措施" in html


def test_only_the_office_edits_plan_tasks(web, app):
    with app.app_context():
        task = db.session.scalar(select(PlanTask).where(PlanTask.code == "T5"))
        task_id, title, form = task.id, task.title, {
            "title": task.title + "(修订)", "title_en": task.title_en,
            "description": task.description, "indicators": task.indicators or ""}
    response = web.as_user("pm").post(f"/plantaskview/edit/{task_id}",
                                      data={"title": "改掉", "description": "x"})
    assert response.status_code in (302, 403)
    response = web.as_user("office").post(f"/plantaskview/edit/{task_id}", data=form)
    assert response.status_code == 302
    with app.app_context():
        changed = db.session.get(PlanTask, task_id)
        assert changed.title == title + "(修订)"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "plan_task",
                                                           AuditEvent.field == "title"))
        assert event.actor == "office" and event.new_value == title + "(修订)"
        load_plan(app.config["PLAN_FILE"])  # the data file stays the source: reload restores it
        db.session.commit()
        assert db.session.get(PlanTask, task_id).title == title
