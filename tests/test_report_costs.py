"""What long reports cost (issue 15): the audit sheet's words are translated once per run, not
per cell."""


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
