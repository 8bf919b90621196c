"""The demo portfolio tells the truth (issue 10 item 6, issue 12): distinct systems for distinct
sites, bureaus and cities, a known share of planted duplicates and hard negatives that the
learned guard finds (and little else), audit events at the story's dates on an intact chain,
department names in the user's language."""
import datetime as dt
import json
import random
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import empty_portfolio
from core.audit import AuditEvent
from core.extensions import db
from projects.models import Project

ROOT = Path(__file__).resolve().parents[1]


def _plan(count, share=0.03, seed=1):
    from projects import demo, demo_text
    vocab = json.loads((ROOT / "data" / "demo_vocabulary.json").read_text(encoding="utf-8"))
    home = [d["name"] for d in json.loads((ROOT / "data" / "departments.json").read_text(
        encoding="utf-8"))]
    return demo_text.plan(demo_text.Generator(vocab), count, share, random.Random(seed),
                          partial(demo._choose_department, vocab, home))


def test_each_system_stands_once_per_city_or_county_but_for_the_planted_pairs():
    specs = _plan(3000)
    plain = Counter((s.territory.name, s.system) for s in specs if "partner" not in s.planted)
    assert max(plain.values()) == 1
    planted = [s for s in specs if "partner" in s.planted]
    duplicates = [s for s in planted if s.planted["kind"] in ("paraphrase", "superset")]
    assert len(duplicates) == 90 and len(planted) == 180  # 3% of 3,000, and as many negatives
    for copy in duplicates:
        source = specs[copy.planted["partner"]]
        assert copy.territory == source.territory and copy.system == source.system
        assert copy.department != source.department  # filed by another department
        assert copy.description != source.description and copy.name != source.name
    kinds = Counter(s.planted["kind"] for s in planted)
    assert set(kinds) == {"paraphrase", "superset", "consumer", "phase", "other_site"}
    for spec in planted:
        source = specs[spec.planted["partner"]]
        if spec.planted["kind"] == "consumer":
            assert "依托已建成的" + source.name in spec.description and "不另建" in spec.description
        if spec.planted["kind"] == "phase":
            assert spec.department == source.department and "二期" in spec.name


def test_distinct_texts_stay_bounded_so_the_learned_guard_embeds_few():
    small = {(s.name, s.description) for s in _plan(2000)}
    large = {(s.name, s.description) for s in _plan(20000)}
    assert len(large) < 2000 and len(large) < 3 * len(small)


def test_no_demo_text_comes_from_the_labeled_sets():
    """The guard is measured on the samples, setD and its corpus: the demo copies none of their
    names, nor any run of 16 characters of their descriptions."""
    labeled = []
    for path in [ROOT / "tests" / "data" / "proposals.json",
                 ROOT / "tests" / "data" / "setD" / "proposals.json"]:
        labeled += json.loads(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "data" / "guard_corpus").glob("*.json")):
        labeled += json.loads(path.read_text(encoding="utf-8"))["proposals"]
    demo = _plan(4000)
    assert not {p["name"] for p in labeled} & {s.name for s in demo}

    def runs(text, n=16):
        return {text[i:i + n] for i in range(len(text) - n + 1)}
    theirs = set().union(*(runs(p.get("description") or "") for p in labeled))
    ours = set().union(*(runs(s.description) for s in demo))
    assert not ours & theirs, sorted(ours & theirs)[:5]


def test_seeded_planted_pairs_name_seeded_projects(runner, app, tmp_path):
    out = tmp_path / "planted.json"
    result = runner.invoke(args=["demo", "seed", "--projects", "400", "--no-users",
                                 "--planted-share", "0.05", "--planted-pairs", str(out)])
    assert result.exit_code == 0, result.output
    planted = json.loads(out.read_text(encoding="utf-8"))
    assert len(planted["duplicates"]) == 20 and len(planted["hard_negatives"]) == 20
    with app.app_context():
        codes = set(db.session.scalars(select(Project.code)))
        assert len(planted["systems"]) == len(codes) == 400
        for pair in planted["duplicates"]:
            a, b = (db.session.scalar(select(Project).where(Project.code == c))
                    for c in (pair["a"], pair["b"]))
            assert a.department_id != b.department_id and a.name != b.name


def test_the_learned_guard_flags_few_pairs_of_the_demo_and_they_are_the_planted_ones(
        runner, app, monkeypatch, tmp_path):
    """Tacheng's own portfolio (its texts are its own): the scan's suspected pairs are few and
    mostly the planted duplicates, and it finds most of those."""
    from projects.guard.vectors import EXTENSION
    monkeypatch.setitem(app.config, "GUARD_ENGINE", "learned")
    app.extensions.pop(EXTENSION, None)
    out = tmp_path / "planted.json"
    result = runner.invoke(args=["demo", "seed", "--projects", "200", "--no-users", "--seed",
                                 "5", "--planted-share", "0.05", "--planted-pairs", str(out)])
    assert result.exit_code == 0, result.output
    planted = json.loads(out.read_text(encoding="utf-8"))
    truth = {frozenset((p["a"], p["b"])) for p in planted["duplicates"]}
    result = runner.invoke(args=["projects", "duplicates", "--json"])
    assert result.exit_code == 0, result.output
    flagged = {frozenset((p["a"], p["b"])) for p in json.loads(result.output)["pairs"]}
    app.extensions.pop(EXTENSION, None)
    assert len(flagged) <= 0.1 * 200
    assert len(flagged & truth) >= 0.6 * len(flagged)  # precision
    assert len(flagged & truth) >= 0.5 * len(truth)  # recall


def test_demo_audit_events_follow_the_story_on_an_intact_chain(runner, app):
    as_of = dt.date(2014, 6, 30)
    with app.app_context():
        before = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    result = runner.invoke(args=["demo", "seed", "--projects", "300", "--no-users",
                                 "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(AuditEvent.seq > before)
                                    .order_by(AuditEvent.seq)).scalars().all()
        stamps = [e.at for e in events]
        assert stamps == sorted(stamps)  # the chain in date order
        assert stamps[-1] < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        assert (as_of - stamps[0].date()).days > 365  # the story goes back years, not seconds
        steps = {(e.entity_id, e.new_value): e.at for e in events
                 if e.entity == "project" and e.field == "status"}
        projects = list(db.session.scalars(select(Project)))
        submitted = [p for p in projects if p.submitted_at is not None]
        assert submitted and all(steps[(p.id, "submitted")] == p.submitted_at
                                 for p in submitted)
        started = [p for p in projects if p.status == "in_construction"]
        assert started and all(steps[(p.id, "in_construction")].date() == p.start_date
                               for p in started)
        waiting = [(as_of - steps[(p.id, "submitted")].date()).days for p in projects
                   if p.status in ("submitted", "in_review")]
        assert waiting and max(waiting) <= 60  # submitted days or weeks ago
        paid = [e for e in events if e.entity == "disbursement"]
        assert paid and all(e.at.date() == dt.date.fromisoformat(
            json.loads(e.new_value)["date"]) for e in paid)


@pytest.mark.parametrize("path", ["/projects/list/", "/risk/escalation"])
def test_english_pages_name_departments_in_english(runner, web, app, path):
    result = runner.invoke(args=["demo", "seed", "--projects", "400", "--no-users"])
    assert result.exit_code == 0, result.output
    office = web.as_user("office")
    office.get("/lang/en")
    page = office.get(path + "?psize_ProjectModelView=100").get_data(as_text=True)
    with app.app_context():
        from plan.models import Department
        names = {d.name: d.name_en for d in db.session.scalars(select(Department))}
    # Departments an import created without an English name (other tests) can only be
    # shown in Chinese; every department that has one is shown by it.
    shown = [zh for zh, en in names.items() if en and zh in page]
    assert not shown, shown[:5]
    assert any(en in page for en in names.values() if en)


def _demo_owners(runner, app) -> dict:
    """Seed 200 demo projects; their codes and departments, then remove them again."""
    from plan.models import Department
    result = runner.invoke(args=["demo", "seed", "--projects", "200", "--no-users", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        owners = dict(db.session.execute(select(Project.code, Department.name).join(
            Department, Project.department_id == Department.id)).all())
    empty_portfolio(app)
    return owners


def test_the_demo_is_the_same_after_an_import_created_departments(runner, app):
    """Departments an import added for other places (setD's counties) are not the city's own:
    the demo never files the city's projects under them, and stays the same after an import."""
    from plan.models import Department
    before = _demo_owners(runner, app)
    with app.app_context():
        db.session.add(Department(code="IMPORTED-1", name="某某县公安局"))
        db.session.commit()
    try:
        after = _demo_owners(runner, app)
    finally:
        with app.app_context():
            db.session.execute(Department.__table__.delete().where(
                Department.code == "IMPORTED-1"))
            db.session.commit()
    assert "某某县公安局" not in after.values()
    assert after == before
