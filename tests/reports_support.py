"""Helpers for tests/test_reports_*.py: projects in a given state, rows added directly (the
compliance checks read what is stored, however it got there)."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.audit import acting_as
from core.extensions import db

TODAY = dt.date(2014, 6, 30)


def add(app, *rows):
    with app.app_context(), acting_as("fixture"):
        for row in rows:
            db.session.add(row)
        db.session.commit()


def approve(app, project_id, on=dt.datetime(2013, 2, 1, 10, 0), duplicate_check=None):
    from projects.models import Review
    add(app, Review(project_id=project_id, stage="design", decision="approve", reviewer="office",
                    decided_at=on, duplicate_check=duplicate_check))


def milestone(app, project_id, type_, planned, actual=None, status=None, note=None):
    from projects.schedule.models import Milestone
    add(app, Milestone(project_id=project_id, type=type_, planned_date=planned,
                       baseline_date=planned, actual_date=actual, note=note,
                       status=status or ("done" if actual else "planned")))


def line(app, project_id, amount, disbursed="0", spent="0", year=2013):
    from budgets.models import FundingLine, FundingSource
    with app.app_context(), acting_as("fixture"):
        source = db.session.scalar(select(FundingSource).where(FundingSource.code == "municipal"))
        row = FundingLine(project_id=project_id, source_id=source.id, year=year,
                          amount=Decimal(amount), disbursed=Decimal(disbursed),
                          spent=Decimal(spent))
        db.session.add(row)
        db.session.commit()
        return row.id


def disburse(app, line_id, amount, on):
    from budgets.models import Disbursement
    add(app, Disbursement(funding_line_id=line_id, date=on, amount=Decimal(amount)))


def submission_check(app, project_id, flagged=0, matches=()):
    from projects.guard.models import DuplicateCheck
    add(app, DuplicateCheck(project_id=project_id, trigger="submission", checked_by="pm",
                            threshold=0.45, flagged=flagged, top_score=0.9 if flagged else 0,
                            result={"threshold": 0.45, "matches": list(matches)}))


def outcomes(app, rule_id, on=TODAY, **filters):
    """{project code: (outcome, evidence)} for one rule."""
    from reports.rules import Filters, evaluate
    with app.test_request_context():
        result = evaluate(Filters(**filters), on=on)
        return {code: (result.outcome(rule_id, pid), result.evidence[rule_id].get(pid, ""))
                for pid, code, *_rest in result.projects}


def assert_prints_at_page_width(sheet, header_repeated=True):
    """An openpyxl sheet prints A4 landscape, one page wide (Excel's default 1 is left out),
    any length, its header row on every page."""
    setup = sheet.page_setup
    assert setup.orientation == "landscape", sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1)
    assert setup.fitToHeight == 0 and setup.paperSize == 9
    if header_repeated:
        assert sheet.print_title_rows.replace("$", "") == "1:1", sheet.title
