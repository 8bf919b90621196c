"""The audit trail is append-only in the database itself and tamper-evident: each event is
hash-chained to the one before, `flask audit verify` names the first broken link, concurrent
writers do not fork the chain, and many-to-one fields, users and roles are audited too."""
import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from conftest import PASSWORD, proposal
from core.audit import AuditEvent
from core.auditchain import create_guard, drop_guard
from core.extensions import db


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


@pytest.mark.parametrize("statement", [
    lambda: update(AuditEvent).values(new_value="forged"),
    lambda: delete(AuditEvent),
    lambda: text("UPDATE audit_event SET actor = 'nobody'"),
    lambda: text("DELETE FROM audit_event"),
], ids=["orm-update", "orm-delete", "sql-update", "sql-delete"])
def test_the_database_refuses_to_edit_or_delete_events(app, make_project, statement):
    make_project()
    with app.app_context():
        before = db.session.execute(select(AuditEvent.id, AuditEvent.new_value)).all()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement())
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.query(AuditEvent).delete()
        db.session.rollback()
        assert db.session.execute(select(AuditEvent.id, AuditEvent.new_value)).all() == before


def test_truncate_is_refused_on_postgresql(app, make_project):
    make_project()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("TRUNCATE exists on PostgreSQL only")
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_event"))
        db.session.rollback()


def test_verify_passes_on_an_intact_trail(app, runner, api, make_project):
    pid = make_project()
    api.as_user("pm").put(f"/api/v1/project/{pid}", json={"name": "改名的项目"})
    code, output = verify(runner)
    assert code == 0, output
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, count + 1)) and f"{count} events" in output


def _behind_the_app(app, sql, **params):
    """What a DBA with DDL rights could do: drop the guard, edit, put the guard back."""
    with app.app_context():
        conn = db.session.connection()
        drop_guard(conn)
        conn.execute(text(sql), params)
        create_guard(conn)
        db.session.commit()


def _events(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent.id, AuditEvent.seq)
                                  .order_by(AuditEvent.seq)).all()


def _rehash(app, event_id):
    """A smarter forger: edit the event and store the hash its new content would have."""
    from core.auditchain import event_hash
    with app.app_context():
        row = db.session.execute(select(AuditEvent.__table__).where(
            AuditEvent.id == event_id)).first()
        forged = dict(row._mapping, actor="nobody")
        return event_hash(row.prev_hash, forged)


@pytest.mark.parametrize("case", ["edit", "edit-and-rehash", "delete-middle", "insert-unchained"])
def test_verify_names_the_first_broken_event_after_tampering(app, runner, make_project, case):
    make_project()
    make_project(code="TC-2013-002", name="网格化管理平台")
    make_project(code="TC-2013-003", name="电子证照库")
    events = _events(app)
    assert len(events) == 3 and verify(runner)[0] == 0
    victim, after = events[1].id, events[2].id
    if case == "edit":
        _behind_the_app(app, "UPDATE audit_event SET new_value = 'forged' WHERE id = :id",
                        id=victim)
        named, reason = victim, "edited"
    elif case == "edit-and-rehash":
        _behind_the_app(app, "UPDATE audit_event SET actor = 'nobody', hash = :h WHERE id = :id",
                        id=victim, h=_rehash(app, victim))
        named, reason = after, "prev_hash"
    elif case == "delete-middle":
        _behind_the_app(app, "DELETE FROM audit_event WHERE id = :id", id=victim)
        named, reason = after, "deleted"
    else:
        _behind_the_app(app, "INSERT INTO audit_event (at, actor, action, entity) VALUES "
                             "('2020-01-01 00:00:00', 'ghost', 'insert', 'project')")
        named, reason = None, "behind the app"
    code, output = verify(runner)
    assert code == 1, output
    assert reason in output
    if named is not None:
        assert f"id={named} " in output, output


def test_deleting_the_last_events_is_detected_by_the_head(app, runner, make_project):
    make_project()
    last = _events(app)[-1]
    _behind_the_app(app, "DELETE FROM audit_event WHERE id = :id", id=last.id)
    code, output = verify(runner)
    assert code == 1 and "head" in output, output


def test_concurrent_writers_do_not_fork_the_chain(app, runner, make_project):
    from core.audit import acting_as
    from projects.services import create_project

    errors = []

    def writer(n):
        try:
            with app.app_context(), acting_as(f"writer{n}"):
                for i in range(4):
                    for attempt in range(20):
                        try:
                            create_project(proposal(code=f"TC-2013-{n}{i:02d}",
                                                    name=f"并发项目{n}-{i}"))
                            db.session.commit()
                            break
                        except DBAPIError as exc:  # SQLite: database is locked; retry
                            db.session.rollback()
                            if "locked" not in str(exc):
                                raise
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    code, output = verify(runner)
    assert code == 0, output
    with app.app_context():
        actors = db.session.scalars(select(AuditEvent.actor).where(
            AuditEvent.entity == "project", AuditEvent.action == "insert")).all()
    assert sorted(set(actors)) == ["writer1", "writer2", "writer3", "writer4"]
    assert len(actors) == 16


def test_many_to_one_changes_are_recorded(app, api, make_project):
    from projects.models import Project
    pid = make_project()
    with app.app_context():
        from plan.models import Department, PlanTask
        other = db.session.scalar(select(Department).where(Department.name == "市水利局"))
        task = db.session.scalar(select(PlanTask).where(PlanTask.code == "T2"))
        project = db.session.get(Project, pid)
        old_department, old_task = project.department.audit_key(), project.primary_task.audit_key()
        new_department, new_task = other.audit_key(), task.audit_key()
        project.department = other
        project.primary_task = task
        db.session.commit()
        changed = {e.field: (e.old_value, e.new_value) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "project",
                                     AuditEvent.action == "update"))}
    assert changed["department"] == (old_department, new_department)
    assert changed["primary_task"] == (old_task, new_task)
    assert "department_id" not in changed


def test_funding_source_and_data_item_project_changes_are_recorded(app, api, make_project):
    from budgets.models import FundingLine
    from conftest import fund_fully
    pid = make_project()
    pid2 = make_project(code="TC-2013-002", name="网格化管理平台")
    line_id = fund_fully(app, pid)
    office = api.as_user("pm")
    item = office.post("/api/v1/dataitem/", json={"project": pid, "name": "人口基础信息",
                                                   "direction": "produces"})
    assert item.status_code == 201, item.get_json()
    moved = office.put(f"/api/v1/dataitem/{item.get_json()['id']}", json={"project": pid2})
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        from budgets.models import FundingSource
        line = db.session.get(FundingLine, line_id)
        old_source = line.source.audit_key()
        line.source = db.session.scalar(select(FundingSource).where(FundingSource.code == "central"))
        db.session.commit()
        fields = {(e.entity, e.field): (e.old_value, e.new_value) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update"))}
    assert fields[("funding_line", "source")][0] == old_source
    assert fields[("data_item", "project")][0] != fields[("data_item", "project")][1]


def test_users_roles_and_role_assignments_are_audited(app, web):
    admin = web.as_user("admin")
    with app.app_context():
        sm = app.appbuilder.sm
        office_role = sm.find_role("Office")
        user = sm.add_user("newuser", "New", "User", "new@planguard.invalid",
                           sm.find_role("Auditor"), password=PASSWORD)
        user.roles.append(office_role)
        db.session.commit()
        user.password = "hash-changed"
        db.session.commit()
        role = sm.add_role("Temporary")
        db.session.commit()
        rows = [(e.entity, e.action, e.field, e.old_value, e.new_value)
                for e in db.session.scalars(select(AuditEvent).where(
                    AuditEvent.entity.in_(("ab_user", "ab_role"))).order_by(AuditEvent.seq))]
        db.session.delete(role)
        db.session.delete(user)
        db.session.commit()
    assert admin is not None
    assert rows[0][:2] == ("ab_user", "insert") and "hash-changed" not in str(rows)
    assert ("ab_user", "update", "roles") in [r[:3] for r in rows]
    roles_change = [r for r in rows if r[2] == "roles"][0]
    assert "Office" in roles_change[4] and "Office" not in roles_change[3]
    assert ("ab_user", "update", "password", "[redacted]", "[redacted]") in rows
    assert ("ab_role", "insert") in [r[:2] for r in rows]
    assert '"password"' not in rows[0][4] or "[redacted]" in rows[0][4]
