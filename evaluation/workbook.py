"""The compliance workbook's post-evaluation sheet (后评价): one row per evaluated project in
the workbook's scope, objectives, usage against the proposal's target, final cost against the
approved budget, evaluator; then the totals. Added to the workbook by a hook (reports owns the
workbook, this package its sheet)."""
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from evaluation.models import PostEvaluation
from projects.models import Project


def post_evaluation_rows(project_ids):
    """(project, evaluation) pairs for the scoped project ids (a select), by project code."""
    return db.session.execute(
        select(Project, PostEvaluation).join(PostEvaluation, PostEvaluation.project_id == Project.id)
        .where(Project.id.in_(select(project_ids.c.id) if hasattr(project_ids, "c")
                              else project_ids))
        .order_by(Project.code)).all()


def write_post_evaluation_sheet(w, project_ids) -> int:
    """Write the sheet with the workbook's Writer `w`; return the number of rows."""
    headers = [_("Project code"), _("Project"), _("Department"), _("Evaluated on"),
               _("Evaluator"), _("Objectives met"), _("Usage indicator"),
               _("Target in the proposal"), _("Actual usage"), _("Usage against target"),
               _("Budget"), _("Final cost"), _("Cost variance"), _("Benefits"), _("Problems"),
               _("Lessons")]
    pairs = post_evaluation_rows(project_ids)
    rows = [[p.code, p.name, p.department.label(), e.evaluated_on, e.evaluator,
             str(e.objectives_label()), e.usage_indicator, e.usage_target, e.usage_actual,
             (e.usage_ratio(), w.pct) if e.usage_ratio() is not None else None, p.budget_total,
             e.final_cost, (e.cost_variance(), w.pct) if e.cost_variance() is not None else None,
             (e.benefits, w.wrap), (e.problems, w.wrap), (e.lessons, w.wrap)]
            for p, e in pairs]
    sheet, last = w.table(_("Post-evaluations"), headers, rows,
                          widths=(16, 30, 14, 12, 20, 10, 18, 12, 12, 10, 14, 14, 10, 40, 30, 30),
                          freeze_cols=2)
    if pairs:
        budget = sum(p.budget_total for p, _e in pairs)
        cost = sum(e.final_cost for _p, e in pairs)
        sheet.write_string(last + 2, 1, _("Total"), w.head)
        w.cell(sheet, last + 2, 10, budget)
        w.cell(sheet, last + 2, 11, cost)
        if budget:
            w.cell(sheet, last + 2, 12, float((cost - budget) / budget), w.pct)
    return len(pairs)
