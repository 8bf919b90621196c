"""The learned duplicate guard (GUARD_ENGINE=learned): its model matches the corpus in the
repo, it decides through the product's own paths (import, scan, API, submission), tells
consumers and later phases apart with reasons, and stores vectors so a worker starts warm."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from core.extensions import db
from test_guard import SMS, SMS_AGAIN, SMS_CONSUMER

DATA = Path(__file__).parent / "data"
SAMPLES = json.loads((DATA / "proposals.json").read_text(encoding="utf-8"))


@pytest.fixture
def learned(app, monkeypatch):
    """The learned engine on, with a fresh index (it lives on the app)."""
    from projects.guard.vectors import EXTENSION
    monkeypatch.setitem(app.config, "GUARD_ENGINE", "learned")
    app.extensions.pop(EXTENSION, None)
    yield app
    app.extensions.pop(EXTENSION, None)


@pytest.fixture
def portfolio(learned, runner):
    """A city's portfolio to check against (the 40 samples): the model reads a pair against
    its neighbours, which a portfolio of one project does not have."""
    result = runner.invoke(args=["projects", "import", str(DATA / "proposals.json"),
                                 "--create-departments"])
    assert result.exit_code == 0, result.output


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [m["code"] for m in response.get_json()["matches"]]


def test_the_model_file_was_fitted_on_the_corpus_in_the_repo():
    from projects.guard import model, training
    from projects.guard.features import FEATURES
    fitted = model.load()
    assert fitted.features == FEATURES
    assert fitted.info["corpus_sha256"] == training.load_corpus().digest
    assert fitted.info["labeled_duplicates"] >= 100 and fitted.info["labeled_negatives"] >= 100


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="needs no database: refitting (about a minute) runs once, on SQLite")
def test_training_reproduces_the_model_file():
    """`flask projects train-guard` is reproducible: a refit from the corpus gives the weights
    and the threshold in data/guard_model.json."""
    from projects.guard import model, training
    refit, report = training.train()
    stored = model.load()
    assert report["corpus_sha256"] == stored.info["corpus_sha256"]
    assert refit.threshold == stored.threshold
    assert np.allclose(refit.coef, stored.coef, atol=2e-3)


def _scan_quality(runner, directory: Path):
    result = runner.invoke(args=["projects", "import", str(directory / "proposals.json"),
                                 "--create-departments"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["projects", "duplicates", "--json"])
    assert result.exit_code == 0, result.output
    found = {tuple(sorted((p["a"], p["b"]))) for p in json.loads(result.output)["pairs"]}
    truth = {tuple(sorted(pair[:2])) for pair in json.loads(
        (directory / "duplicate_pairs.json").read_text(encoding="utf-8"))["duplicate_pairs"]}
    return len(found & truth) / max(len(found), 1), len(found & truth) / len(truth)


ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(ON_POSTGRESQL, reason="embedding-bound and database-independent: the "
                    "150-proposal scan runs once, on SQLite (vector storage on PostgreSQL is "
                    "tested below)")
def test_set_d_written_by_someone_else(learned, runner):
    """150 proposals of five counties, never trained on: the scan's precision and recall.
    Measured 0.90 / 0.90; issue 10 asks 0.85 each."""
    precision, recall = _scan_quality(runner, DATA / "setD")
    print(f"setD: precision {precision:.2f} recall {recall:.2f}")
    assert precision >= 0.85 and recall >= 0.85


def test_a_paraphrase_is_flagged_with_reasons(portfolio, api, make_project):
    make_project(status="in_operation", **SMS)
    body = api.as_user("office").post("/api/v1/project/duplicate-check", json=SMS_AGAIN)
    assert "TC-2013-101" in codes(body)
    match = next(m for m in body.get_json()["matches"] if m["code"] == "TC-2013-101")
    assert 0 < match["score"] <= 1 and match["reasons"]


def _scanned_with(extra: list[dict], runner, tmp_path) -> dict:
    """The CLI scan's pairs {(a, b): pair} of the samples and `extra`, imported together."""
    (tmp_path / "proposals.json").write_text(json.dumps(SAMPLES + extra, ensure_ascii=False),
                                             encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(tmp_path / "proposals.json"),
                                 "--create-departments"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["projects", "duplicates", "--json"])
    assert result.exit_code == 0, result.output
    return {(p["a"], p["b"]): p for p in json.loads(result.output)["pairs"]}


def test_a_proposal_filed_again_by_another_department_is_flagged(learned, runner, tmp_path):
    """The plainest duplicate construction: the same text submitted by a second bureau. The
    linear model alone scored some such copies 0.08 (its negative weight on raw overlap), so
    the scan must flag every copy, saying they are worded the same; a copy whose description
    ends with a clause of its own too."""
    departments = sorted({p["department"] for p in SAMPLES})
    copies = [dict(p, code=f"COPY-{p['code']}", department=next(
        d for d in departments if d != p["department"])) for p in SAMPLES[::4]]
    for copy in copies[::2]:
        copy["description"] += "项目建成后由本单位负责运行维护。"
    pairs = _scanned_with(copies, runner, tmp_path)
    for copy in copies:
        pair = pairs.get((copy["code"], copy["code"][len("COPY-"):]))
        assert pair is not None, f"{copy['code']} not flagged"
        assert any("worded the same" in reason or "文字" in reason for reason in pair["reasons"])


def test_the_same_community_system_of_two_counties_is_not_flagged(learned, runner, tmp_path):
    """Each county builds its own grid system for its own 北园社区: the same text, two systems.
    A community (社区) or an industrial park (园区) is a site, not a district (区) both share."""
    system = {"name": "北园社区网格化服务管理系统", "plan_task": "T4", "category": "application",
              "budget_total": 900000, "start_date": "2013-03-01", "end_date": "2013-12-31",
              "capabilities": ["网格化管理", "诉求受理"],
              "description": "建设北园社区网格化服务管理系统:将北园社区划分为18个服务网格,每格"
                             "配备网格员和手持巡查终端,采集辖区人、房、事、物基础信息,群众诉求"
                             "就地受理、分级流转。"}
    counties = [dict(system, code=f"GRID-{n}", department=f"{county}民政局")
                for n, county in enumerate(("额敏县", "裕民县"))]
    pairs = _scanned_with(counties, runner, tmp_path)
    assert ("GRID-0", "GRID-1") not in pairs


def test_a_county_filing_a_system_of_the_city_builds_its_own(learned, runner, tmp_path):
    """Tacheng is a county-level city (GUARD_HOME_COUNTY): 市公安局's system and the same
    system of 裕民县公安局 are each for its own county, however alike the texts."""
    copies = [dict(p, code=f"YM-{p['code']}", department="裕民县" + p["department"][1:])
              for p in SAMPLES[::4]]
    pairs = _scanned_with(copies, runner, tmp_path)
    assert not [pair for pair in pairs if pair[0].startswith("YM-") or
                pair[1].startswith("YM-")]


def test_a_text_filed_in_many_counties_does_not_hide_its_reworded_duplicate(
        learned, runner, tmp_path):
    """Twelve counties file the text of one side of every labeled pair, each for itself. A
    side's copies are not its neighbours: otherwise they stand between it and the rewording
    of the same city, and the labeled pairs are lost (the samples' bar: 9 of 10)."""
    labeled = json.loads((DATA / "duplicate_pairs.json").read_text(encoding="utf-8"))
    by_code = {p["code"]: p for p in SAMPLES}
    counties = ("额敏县", "裕民县", "托里县", "沙湾县", "乌苏县", "和丰县", "温泉县", "精河县",
                "博乐县", "吉木乃县", "青河县", "富蕴县")
    copies = [dict(by_code[a], code=f"{a}-{n}", department=f"{county}人民政府办公室")
              for a in sorted({a for a, _b, _why in labeled["duplicate_pairs"]})
              for n, county in enumerate(counties)]
    pairs = _scanned_with(copies, runner, tmp_path)
    found = [(a, b) for a, b, _why in labeled["duplicate_pairs"] if (a, b) in pairs]
    assert len(found) >= 0.9 * len(labeled["duplicate_pairs"]), found


def test_a_consumer_and_a_later_phase_are_not_flagged(portfolio, api, make_project):
    make_project(status="in_operation", **SMS)
    office = api.as_user("office")
    assert "TC-2013-101" not in codes(office.post("/api/v1/project/duplicate-check",
                                                  json=SMS_CONSUMER))
    phase_two = dict(SMS, code="TC-2014-101", name="全市政务短信服务平台(二期)",
                     description="在一期平台基础上,新增短信上行互动和统计分析功能,不另建短信网关。")
    assert "TC-2013-101" not in codes(office.post("/api/v1/project/duplicate-check",
                                                  json=phase_two))


def test_submission_stores_near_misses_with_why_not(portfolio, api, app, make_project):
    from projects.guard.models import DuplicateCheck
    make_project(status="in_operation", **SMS)
    project_id = make_project(**SMS_CONSUMER)
    response = api.as_user("office").post(f"/api/v1/project/{project_id}/transition",
                                          json={"to": "submitted"})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        check = db.session.scalar(select(DuplicateCheck).where(
            DuplicateCheck.project_id == project_id))
        assert "TC-2013-101" not in [m["code"] for m in check.result["matches"]]
        near = {m["code"]: m for m in check.result["near_misses"]}
        assert "TC-2013-101" in near and near["TC-2013-101"]["reasons"]


def test_vectors_are_stored_with_the_project_and_a_new_worker_reads_them(
        learned, app, make_project, monkeypatch):
    from projects.guard import embedding, learned as engine
    from projects.guard.models import ProjectVector
    from projects.guard.vectors import EXTENSION
    project_id = make_project(status="in_operation", **SMS)
    make_project(**SMS_AGAIN)
    with app.app_context():
        assert db.session.get(ProjectVector, project_id) is not None
    app.extensions.pop(EXTENSION, None)  # a new worker: builds from stored rows only

    def no_embedding(texts):
        raise AssertionError(f"re-embedded {len(texts)} texts")
    monkeypatch.setattr(embedding, "embed_texts", no_embedding)
    with app.test_request_context():
        result = engine.scan()
    assert [(p["a"], p["b"]) for p in result["pairs"]] == [("TC-2013-101", "TC-2013-102")]


def _with_no_neighbour_lists(portfolio):
    """The same portfolio with no neighbour list worked out yet (a fresh reading)."""
    from projects.guard.portfolio import KINDS, Portfolio, _Neighbours
    fresh = Portfolio()
    fresh.__dict__.update(portfolio.__dict__)
    fresh._near = {kind: _Neighbours(len(portfolio.entries)) for kind in KINDS}
    return fresh


def test_neighbours_kept_across_changes_equal_a_fresh_reading():
    """The rank features read each row's nearest rows, kept across changes (a check must not
    recompute them after every edit): after adds, edits and removals they equal the lists
    worked out from scratch, and a removed project is nobody's neighbour."""
    from projects.guard.portfolio import KINDS, Entry, Portfolio
    from projects.guard.text import analyse
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(260, 3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
    vectors[210:215] = vectors[10:15]  # the same texts filed again later

    def entry(i):
        return Entry(id=i, code=f"X-{i}", name=f"系统{i}", department_id=None, task=None,
                     category=None, features=analyse(f"业务系统{i % 17}", [f"能力{i % 5}"],
                                                     f"建设{i % 11}号数据平台", ""))

    portfolio = Portfolio()
    portfolio.build([entry(i) for i in range(200)], vectors[:200])
    for kind in KINDS:
        portfolio.nearest(np.arange(200), kind)
    for i in range(200, 260):
        portfolio.put(entry(i), vectors[i])
    portfolio.put(entry(5), -vectors[5])  # an edit
    for removed in (3, 250):
        portfolio.remove(removed)
    live = np.flatnonzero([e is not None for e in portfolio.entries])
    fresh = _with_no_neighbour_lists(portfolio)
    removed_rows = [r for r, e in enumerate(portfolio.entries) if e is None]
    for kind in KINDS:
        kept_rows, kept = portfolio.nearest(live, kind)
        _rows, again = fresh.nearest(live, kind)
        assert np.allclose(kept, again, atol=1e-5)
        assert not np.isin(kept_rows, removed_rows).any()
        assert not ({10, 210} & set(kept_rows[list(live).index(10)]))  # nor its own copy


def test_a_warm_worker_has_every_neighbour_list_before_its_first_check():
    """A new worker works out every live row's neighbour lists in its warm thread (a chunk at a
    time, so checks run in between): afterwards no check computes one, and they equal the
    lists a check would have worked out."""
    from projects.guard.portfolio import KINDS, Entry, Portfolio
    from projects.guard.text import analyse
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(150, 3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
    portfolio = Portfolio()
    portfolio.build([Entry(id=i, code=f"W-{i}", name=f"系统{i}", department_id=None, task=None,
                           category=None, features=analyse(f"业务系统{i % 13}", [],
                                                           f"建设{i % 7}号平台", ""))
                     for i in range(150)], vectors)
    portfolio.remove(40)
    assert portfolio.work_out_neighbours(chunk=32) == 2 * 149
    live = portfolio.live()
    fresh = _with_no_neighbour_lists(portfolio)
    for kind in KINDS:
        assert portfolio._near[kind].known[live].all() and not portfolio._near[kind].known[40]
        assert np.array_equal(portfolio._near[kind].rows[live],
                              fresh.nearest(np.flatnonzero(live), kind)[0])
    assert portfolio.work_out_neighbours() == 0  # nothing left to work out
