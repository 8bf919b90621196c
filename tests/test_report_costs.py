"""What long reports cost (issue 15): the compliance workbook's rules and audit sheet read the
portfolio a batch at a time, so their memory does not grow with the portfolio's history."""
import datetime as dt
import tracemalloc

from sqlalchemy import insert

from core.extensions import db
from projects.guard.models import DuplicateCheck
from projects.models import Review


def _approving_reviews(project_id, count, unjustified=None):
    """`count` approving reviews of one project, each with a frozen duplicate check of ten
    long matches, every match justified (but `unjustified`, in the last review)."""
    matches = [{"code": f"DEMO-2013-{i:05d}", "name": "智慧城市综合管理平台" * 30,
                "score": 0.9, "reasons": ["同一部门、同一类别、名称相近"] * 10}
               for i in range(10)]
    rows = []
    for n in range(count):
        justifications = {m["code"]: "不重复:建设内容不同,说明见附件。" * 5 for m in matches}
        if unjustified and n == count - 1:
            justifications[unjustified] = ""
        rows.append(dict(project_id=project_id, stage="proposal", decision="approve",
                         reviewer="office", decided_at=dt.datetime(2013, 5, 1),
                         duplicate_check={"threshold": 0.45, "matches": matches,
                                          "justifications": justifications}))
    db.session.execute(insert(Review), rows)
    db.session.execute(insert(DuplicateCheck), [dict(
        project_id=project_id, trigger="submission", checked_at=dt.datetime(2013, 4, 1),
        checked_by="pm", threshold=0.45, top_score=0.9, flagged=10, result={"matches": []})])
    db.session.commit()


def _peak_of(function):
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_duplicate_rule_memory_does_not_grow_with_the_reviews(app, make_project):
    """C02 over 150 and over 1,500 frozen checks (about 1 and 10 MB of JSON): the peak stays
    about the same, and the verdict still names the one match left unjustified."""
    from reports.checks import check_duplicate_justified
    from reports.rules import Filters, scope_query
    few = make_project(status="approved", code="TC-2013-001")
    many = make_project(status="approved", code="TC-2013-002")
    with app.app_context():
        _approving_reviews(few, 150)

        def judge():
            return check_duplicate_justified(scope_query(Filters()).subquery(),
                                             dt.date(2013, 6, 1))
        (_applicable, failures), small = _peak_of(judge)
        assert few not in failures
        _approving_reviews(many, 1500, unjustified="DEMO-2013-00007")
        (_applicable, failures), large = _peak_of(judge)
    assert "DEMO-2013-00007" in failures[many] and few not in failures
    assert large < 2 * small, (small, large)




def _translations_of_audit_sheet(app, monkeypatch, tmp_path):
    """How many translations writing the audit sheet takes, and its rows (as the workbook's
    reader sees them)."""
    import flask_babel
    import openpyxl

    from core import clock
    from reports import workbook
    from reports.rules import Filters
    calls = [0]
    original = flask_babel.Domain.get_translations

    def counted(self):
        calls[0] += 1
        return original(self)
    out = tmp_path / "audit.xlsx"
    with app.test_request_context("/?lang=zh"):
        monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
        writer = workbook.Writer(str(out))
        events = workbook._audit_trail(writer, Filters(), clock.today())
        monkeypatch.setattr(flask_babel.Domain, "get_translations", original)
        writer.book.close()
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == events
    return calls[0], rows


def test_audit_sheet_translates_its_words_once_whatever_the_trail(app, make_project,
                                                                   monkeypatch, tmp_path):
    """The audit sheet of 3 and of 15 registered projects: the same number of translations
    (each kind, action and field named once per sheet), every event in words."""
    for n in range(3):
        make_project(code=f"TC-2013-{n + 1:03d}")
    few, rows = _translations_of_audit_sheet(app, monkeypatch, tmp_path)
    assert len(rows) == 3 and all(r[3] == "项目" and r[4] == "新建" for r in rows)
    assert "名称: 城区治安视频监控系统二期" in rows[0][7]
    for n in range(3, 15):
        make_project(code=f"TC-2013-{n + 1:03d}")
    many, rows = _translations_of_audit_sheet(app, monkeypatch, tmp_path)
    assert len(rows) == 15 and many == few
