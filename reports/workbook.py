"""The compliance workbook (xlsxwriter, constant memory): summary with native charts, the rules,
the project x rule matrix, one row per failure, funding execution, overdue milestones, high
risks (with the risk register), plan coverage and the audit trail of the period.

Every text cell is written with write_string (strings_to_formulas off): a project name such as
"=HYPERLINK(...)" stays text.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import func, select

from budgets.models import FundingLine
from core import clock, registry
from core.export import print_setup
from core.extensions import db
from plan.models import Department
from projects.enums import STATUSES
from projects.models import Project
from projects.schedule.enums import MILESTONE_STATUSES, MILESTONE_TYPES, OPEN_MILESTONE
from projects.schedule.models import Milestone
from reports import coverage as cov
from reports import dossier
from risk.enums import CATEGORIES as RISK_CATEGORIES
from risk.enums import STATUSES as RISK_STATUSES
from reports.rules import FAIL, NA, OUTCOMES, PASS, SEVERITIES, Filters, evaluate, scope_query

@dataclass(frozen=True)
class Link:
    """A cell that links somewhere (written with write_url; strings never become links)."""
    url: str
    text: str


AUDIT_DAYS = 90  # the audit trail covers this many days before the report when no period is set
AUDIT_MAX_ROWS = 500_000
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (after Feb 1900)


class Writer:
    """Formats and a safe cell writer shared by the sheets."""

    def __init__(self, target, base_url=""):
        self.base_url = base_url  # the app's address, for links to dossiers (web downloads)
        self.book = xlsxwriter.Workbook(target, {"constant_memory": True,
                                                 "strings_to_formulas": False,
                                                 "strings_to_urls": False,
                                                 "default_date_format": "yyyy-mm-dd"})
        add = self.book.add_format
        self.head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                         "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.money = add({"num_format": "#,##0.00"})
        self.day = add({"num_format": "yyyy-mm-dd"})
        self.stamp = add({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.minute = add({"num_format": "yyyy-mm-dd hh:mm"})
        self.pct = add({"num_format": "0.0%"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.red = add({"bg_color": "#F8CBAD", "font_color": "#9C0006"})
        self.green = add({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.grey = add({"font_color": "#808080"})

    def cell(self, sheet, row, col, value, fmt=None):
        if value is None:
            return
        if type(value) is str:  # most cells: text first (the audit sheet writes millions)
            if value or fmt is not None:  # an empty text without a format is no cell at all
                sheet.write_string(row, col, value, fmt)
            return
        if isinstance(value, Link):
            sheet.write_url(row, col, value.url, string=value.text)
            return
        if isinstance(value, bool):
            sheet.write_string(row, col, _("Yes") if value else _("No"), fmt)
        elif isinstance(value, Decimal):
            sheet.write_number(row, col, float(value), fmt or self.money)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, fmt)
        elif isinstance(value, dt.date):  # a datetime too
            moment = value if isinstance(value, dt.datetime) else dt.datetime(
                value.year, value.month, value.day)
            if moment.tzinfo is None and moment.year >= 1901:
                # Excel's day number, as write_datetime computes it at 8x the cost (the
                # audit sheet writes a time per event)
                since = moment - EXCEL_EPOCH
                sheet.write_number(row, col, since.days + (
                    since.seconds + since.microseconds / 1e6) / 86400, fmt or self.day)
            else:
                sheet.write_datetime(row, col, moment, fmt or self.day)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def table(self, name, headers, rows, widths=(), freeze_cols=0, start=0):
        """A sheet: headers at row `start`, frozen, filtered; returns (sheet, last row)."""
        sheet = self.book.add_worksheet(name)
        for col, header in enumerate(headers):
            sheet.write_string(start, col, str(header), self.head)
            sheet.set_column(col, col, widths[col] if col < len(widths) else 14)
        last = start
        for last, row in enumerate(rows, start=start + 1):
            for col, value in enumerate(row):
                fmt = value[1] if isinstance(value, tuple) else None
                self.cell(sheet, last, col, value[0] if isinstance(value, tuple) else value, fmt)
        sheet.freeze_panes(start + 1, freeze_cols)
        sheet.autofilter(start, 0, max(last, start + 1), len(headers) - 1)
        print_setup(sheet, start)
        return sheet, last


def write_compliance_workbook(target, filters: Filters | None = None,
                              on: dt.date | None = None, base_url: str = "") -> dict:
    """Write the workbook to a path or file object; return counts for the caller to show."""
    filters = filters or Filters()
    on = on or clock.today()
    result = evaluate(filters, on)
    coverage = cov.plan_coverage(filters)
    w = Writer(target, base_url)
    _summary(w, result, filters, on)
    _rules(w, result)
    _matrix(w, result)
    failures = _failures(w, result)
    ids = scope_query(filters).subquery()
    _funding(w, ids)
    overdue = _overdue(w, ids, on)
    _high_risks(w, ids)
    for sheet in registry.hooks("workbook_sheet"):  # sheets other packages add: sheet(w, ids)
        sheet(w, ids)
    _coverage(w, coverage)
    events = _audit_trail(w, filters, on)
    w.book.close()
    return {"projects": len(result.projects), "rules": len(result.rules),
            "failures": failures, "overdue_milestones": overdue, "audit_events": events}


def _summary(w, result, filters, on):
    sheet = w.book.add_worksheet(_("Summary"))
    print_setup(sheet)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 6, 11)
    sheet.write_string(0, 0, _("Compliance report"), w.title)
    sheet.write_string(1, 0, _("Report date"))
    w.cell(sheet, 1, 1, on)
    sheet.write_string(2, 0, _("Scope"))
    sheet.write_string(2, 1, filters.describe() or _("All projects"))
    sheet.write_string(3, 0, _("Projects"))
    sheet.write_number(3, 1, len(result.projects))
    sheet.write_string(4, 0, _("Projects failing a rule"))
    sheet.write_number(4, 1, len(result.failed_projects()))
    # By rule
    top = 6
    headers = [_("Rule"), _("Title"), _("Severity"), str(OUTCOMES[PASS]), str(OUTCOMES[FAIL]),
               str(OUTCOMES[NA]), _("Pass rate")]
    for col, header in enumerate(headers):
        sheet.write_string(top, col, header, w.head)
    severity_fail = {key: 0 for key in SEVERITIES}
    for n, rule in enumerate(result.rules, start=top + 1):
        counts = result.counts(rule.id)
        severity_fail[rule.severity] += counts[FAIL]
        judged = counts[PASS] + counts[FAIL]
        for col, value in enumerate((rule.id, rule.title, str(SEVERITIES[rule.severity]),
                                     counts[PASS], counts[FAIL], counts[NA])):
            w.cell(sheet, n, col, value)
        w.cell(sheet, n, 6, counts[PASS] / judged if judged else None, w.pct)
    last_rule = top + len(result.rules)
    # By severity
    sev_top = last_rule + 2
    sheet.write_string(sev_top, 0, _("Severity"), w.head)
    sheet.write_string(sev_top, 1, _("Failures"), w.head)
    for n, (key, count) in enumerate(severity_fail.items(), start=sev_top + 1):
        sheet.write_string(n, 0, str(SEVERITIES[key]))
        sheet.write_number(n, 1, count)
    # By department
    dep_top = sev_top + len(severity_fail) + 2
    by_dep = {}
    departments = {p[0]: p[3] for p in result.projects}
    for dep in departments.values():
        by_dep.setdefault(dep, [0, set(), 0])[0] += 1
    for rule, project, _evidence in result.failures():
        entry = by_dep[project[3]]
        entry[1].add(project[0])
        entry[2] += 1
    sheet.write_string(dep_top, 0, _("Department"), w.head)
    for col, header in enumerate((_("Projects"), _("Projects failing a rule"), _("Failures")),
                                 start=1):
        sheet.write_string(dep_top, col, header, w.head)
    deps = sorted(by_dep.items(), key=lambda kv: -kv[1][2])
    for n, (dep, (count, failing, failures)) in enumerate(deps, start=dep_top + 1):
        sheet.write_string(n, 0, dep)
        sheet.write_number(n, 1, count)
        sheet.write_number(n, 2, len(failing))
        sheet.write_number(n, 3, failures)
    _summary_charts(w, sheet, top, last_rule, sev_top, len(severity_fail), dep_top, len(deps))


def _summary_charts(w, sheet, top, last_rule, sev_top, n_sev, dep_top, n_dep):
    name = sheet.get_name()
    by_rule = w.book.add_chart({"type": "column", "subtype": "stacked"})
    for col, color in ((3, "#70AD47"), (4, "#C00000")):
        by_rule.add_series({"name": [name, top, col], "categories": [name, top + 1, 1, last_rule, 1],
                            "values": [name, top + 1, col, last_rule, col],
                            "fill": {"color": color}})
    by_rule.set_title({"name": _("Projects per rule")})
    by_rule.set_size({"width": 620, "height": 420})
    sheet.insert_chart(top, 8, by_rule)
    severity = w.book.add_chart({"type": "pie"})
    severity.add_series({"name": _("Failures by severity"),
                         "categories": [name, sev_top + 1, 0, sev_top + n_sev, 0],
                         "values": [name, sev_top + 1, 1, sev_top + n_sev, 1],
                         "data_labels": {"value": True},
                         "points": [{"fill": {"color": c}} for c in ("#C00000", "#ED7D31",
                                                                      "#FFC000")]})
    severity.set_title({"name": _("Failures by severity")})
    severity.set_size({"width": 380, "height": 260})
    sheet.insert_chart(top + 22, 8, severity)
    if n_dep:
        departments = w.book.add_chart({"type": "bar"})
        departments.add_series({"name": [name, dep_top, 3],
                                "categories": [name, dep_top + 1, 0, dep_top + min(n_dep, 15), 0],
                                "values": [name, dep_top + 1, 3, dep_top + min(n_dep, 15), 3],
                                "fill": {"color": "#C00000"}})
        departments.set_title({"name": _("Failures by department")})
        departments.set_legend({"none": True})
        departments.set_size({"width": 620, "height": 360})
        sheet.insert_chart(top + 36, 8, departments)


def _rules(w, result):
    rows = [(r.id, r.title_zh, r.title_en, str(SEVERITIES[r.severity]), r.checks_zh, r.checks,
             r.evidence_zh, r.applies_to) for r in result.rules]
    sheet, _last = w.table(_("Rules"), [_("Rule"), _("Chinese title"), _("English title"),
                                        _("Severity"), _("What it checks"), _("What it checks (English)"),
                                        _("Evidence cited"), _("Applies to")],
                           ((tuple((v, w.wrap) for v in row)) for row in rows),
                           widths=(8, 26, 30, 10, 50, 50, 36, 30))


def _matrix(w, result):
    labels = {k: str(v) for k, v in OUTCOMES.items()}
    headers = [_("Project code"), _("Project"), _("Department"), _("Status")] + \
        [r.id for r in result.rules]
    rows = ((code, name, dep, str(STATUSES.get(status, status)),
             *(labels[result.outcome(r.id, pid)] for r in result.rules))
            for pid, code, name, dep, status in result.projects)
    sheet, last = w.table(_("Matrix"), headers, rows, widths=(18, 36, 16, 10), freeze_cols=2)
    first_rule, last_col = 4, 3 + len(result.rules)
    if last >= 1 and result.rules:
        for text, fmt in ((labels[FAIL], w.red), (labels[PASS], w.green),
                          (labels[NA], w.grey)):
            sheet.conditional_format(1, first_rule, last, last_col, {
                "type": "cell", "criteria": "==", "value": f'"{text}"', "format": fmt})
    for n, rule in enumerate(result.rules, start=first_rule):
        sheet.set_column(n, n, 7)


def _failures(w, result) -> int:
    count = 0

    def rows():
        nonlocal count
        for rule, (_pid, code, name, dep, status), evidence in result.failures():  # noqa: B007
            count += 1
            yield (rule.id, rule.title, str(SEVERITIES[rule.severity]), code, name, dep,
                   str(STATUSES.get(status, status)), (evidence, w.wrap),
                   Link(w.base_url + f"dossier/{_pid}/", _("Dossier")) if w.base_url else None)
    w.table(_("Failures"), [_("Rule"), _("Title"), _("Severity"), _("Project code"),
                            _("Project"), _("Department"), _("Status"), _("Evidence cited"),
                            _("Dossier")],
            rows(), widths=(7, 26, 9, 18, 34, 16, 10, 70, 8), freeze_cols=1)
    return count


def _funding(w, ids):
    lines = (select(FundingLine.project_id, func.sum(FundingLine.amount).label("planned"),
                    func.sum(FundingLine.disbursed).label("disbursed"),
                    func.sum(FundingLine.spent).label("spent"))
             .group_by(FundingLine.project_id).subquery())
    query = (select(Project.code, Project.name, Department.label_column(), Project.status,
                    Project.budget_total, lines.c.planned, lines.c.disbursed, lines.c.spent)
             .join(Department, Department.id == Project.department_id)
             .join(lines, lines.c.project_id == Project.id)
             .where(Project.id.in_(select(ids.c.id))).order_by(Project.code)
             .execution_options(yield_per=2000))

    def rows():
        for code, name, dep, status, budget, planned, disbursed, spent in \
                db.session.execute(query):
            planned, spent = Decimal(planned or 0), Decimal(spent or 0)
            yield (code, name, dep, str(STATUSES.get(status, status)), Decimal(budget), planned,
                   Decimal(disbursed or 0), spent,
                   (float(spent / planned) if planned else None, w.pct))
    w.table(_("Funding execution"), [_("Project code"), _("Project"), _("Department"),
                                     _("Status"), _("Budget"), _("Planned amount"), _("Disbursed"),
                                     _("Spent"), _("Execution rate")],
            rows(), widths=(18, 34, 16, 10, 15, 15, 15, 15, 10), freeze_cols=1)


def _overdue(w, ids, on) -> int:
    from projects.schedule.schedule import grace_days
    cutoff = on - dt.timedelta(days=grace_days())
    query = (select(Project.code, Project.name, Department.label_column(), Milestone.type,
                    Milestone.sequence, Milestone.planned_date, Milestone.baseline_date,
                    Milestone.status, Milestone.note)
             .join(Project, Project.id == Milestone.project_id)
             .join(Department, Department.id == Project.department_id)
             .where(Milestone.project_id.in_(select(ids.c.id)),
                    Milestone.status.in_(OPEN_MILESTONE), Milestone.planned_date < cutoff)
             .order_by(Milestone.planned_date, Project.code).execution_options(yield_per=2000))
    count = 0

    def rows():
        nonlocal count
        for code, name, dep, type_, seq, planned, baseline, status, note in \
                db.session.execute(query):
            count += 1
            label = str(MILESTONE_TYPES.get(type_, type_))
            yield (code, name, dep, label if seq == 1 else f"{label} {seq}", planned, baseline,
                   (on - planned).days, str(MILESTONE_STATUSES.get(status, status)), note)
    w.table(_("Overdue milestones"), [_("Project code"), _("Project"), _("Department"),
                                      _("Milestone"), _("Planned date"), _("Baseline date"),
                                      _("Days overdue"), _("Status"), _("Note")],
            rows(), widths=(18, 34, 16, 18, 12, 12, 10, 10, 40), freeze_cols=1)
    return count


def _high_risks(w, ids):
    from reports import risk_check
    from reports.rules import has_check
    if not has_check("C11"):
        return
    w.table(_("High risks"), [_("Project code"), _("Project"), _("Risk category"), _("Risk"),
                              _("Score"), _("Owner"), _("Mitigation"), _("Status"),
                              _("Next review")],
            ((code, name, str(RISK_CATEGORIES.get(category, category)), title, score, owner,
              mitigation, str(RISK_STATUSES.get(status, status)), next_review)
             for code, name, category, title, score, owner, mitigation, status, next_review
             in risk_check.high_risk_rows(ids)),
            widths=(18, 30, 12, 30, 8, 12, 40, 10, 12), freeze_cols=1)


def _coverage(w, coverage):
    empty = {row.code for row in cov.uncovered(coverage)}
    rows = ((row.code, row.task.title, row.projects, row.budget, row.pipeline, row.approved,
             row.rejected, row.flagged, _("No project") if row.code in empty else "")
            for row in coverage)
    w.table(_("Plan coverage"), [_("Plan task"), _("Title"), _("Projects"), _("Budget"),
                                 _("In the pipeline"), _("Approved or later"), _("Rejected"),
                                 _("Possible duplicates"), _("Coverage")],
            rows, widths=(10, 40, 10, 16, 10, 12, 10, 12, 12), freeze_cols=1)


def _audit_trail(w, filters, on) -> int:
    """The scope's events in the period (the projects in scope and their records), in words;
    one project's full history is its dossier."""
    start = filters.date_from or on - dt.timedelta(days=AUDIT_DAYS)
    end = filters.date_to or on
    ids = scope_query(filters).subquery()
    count = 0
    names = dossier.names()

    def rows():
        nonlocal count
        for row in dossier.scope_events(ids, dt.datetime.combine(start, dt.time()),
                                        dt.datetime.combine(end + dt.timedelta(days=1),
                                                            dt.time()), AUDIT_MAX_ROWS):
            if dossier.is_noise(row):
                continue
            count += 1
            at, *rest = dossier.readable_event(row, names)
            yield ((at, w.minute), *rest)
    w.table(_("Audit trail"), [_("Time (Beijing)"), _("Project code"), _("User"), _("Kind"),
                               _("Action"), _("Field"), _("Old value"), _("New value"),
                               _("Note")],
            rows(), widths=(16, 18, 10, 12, 8, 14, 36, 50, 24), freeze_cols=2)
    return count
