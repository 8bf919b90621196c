"""Rules of the yearly performance assessment (绩效评估) and of post-evaluation (后评价).

Plan G4: "抓紧建立电子政务绩效评估机制 ... 从信息公开、网上办事、公众参与和网站建设等方面评价
各单位电子政务应用工作". The Office assesses; a department's ProjectManagers read their own
department's records; the Auditor reads all. Views, API and CLI call these; `user=None` is the
system itself (CLI, seeding).
"""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import current_actor, utcnow
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.extensions import db
from core import scoping
from core.security import OFFICE, has_role, is_department_scoped
from evaluation.enums import ASSESSED_AREAS, OBJECTIVES
from evaluation.models import DepartmentAssessment, PostEvaluation
from evaluation.schemas import (AssessmentSchema, AssessmentUpdateSchema, PostEvaluationSchema,
                                PostEvaluationUpdateSchema)
from plan.models import Department
from projects import enums as s
from projects.models import Project
from core.schemas import parse
from projects.scopes import find_visible_project as find_project
from plan.services import find_department

_ASSESSMENT_INVALID = _l("The assessment has invalid fields.")
_POST_INVALID = _l("The post-evaluation has invalid fields.")
MIN_YEAR, MAX_YEAR = 2000, 2100
# Projects whose post-evaluation may be recorded: running, or evaluated (until closed).
POST_EVALUATION_STATUSES = (s.IN_OPERATION, s.EVALUATED)


def actor(user) -> str:
    return user.username if user is not None else current_actor()


def ensure_office(user, what) -> None:
    """Only the Office (信息化办公室) records assessments and post-evaluations."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office records %(what)s.", what=what))


def department_clause(column, user):
    """Rows of a per-department record the user may read: a ProjectManager its own
    department's, everyone else all (None)."""
    if user is None or not is_department_scoped(user):
        return None
    return column == user.department_id


def department_of(ref) -> Department:
    department = db.session.get(Department, ref) if isinstance(ref, int) else \
        find_department(str(ref))
    if department is None:
        raise ValidationFailed(_ASSESSMENT_INVALID, {"department": _("No such department.")})
    return department


# --- 绩效评估 -----------------------------------------------------------------------------

def assessment_errors(item: DepartmentAssessment) -> dict:
    """Field -> message: a department, a year 2000-2100, each area scored 0-100, evidence (a
    note or a file)."""
    errors = {}
    if item.department_id is None and item.department is None:
        errors["department"] = _("This field is required.")
    if not isinstance(item.year, int) or not MIN_YEAR <= item.year <= MAX_YEAR:
        errors["year"] = _("Give a year from %(a)s to %(b)s.", a=MIN_YEAR, b=MAX_YEAR)
    for key in ASSESSED_AREAS:
        value = getattr(item, key)
        if value is None or not Decimal("0") <= Decimal(value) <= Decimal("100"):
            errors[key] = _("Give a score from 0 to 100.")
    if not (item.evidence_note or "").strip() and not item.evidence_stored:
        errors["evidence_note"] = _("Say what the scores rest on (a note or an evidence file).")
    return errors


def _check_assessment(item: DepartmentAssessment) -> None:
    errors = assessment_errors(item)
    if errors:
        raise ValidationFailed(_ASSESSMENT_INVALID, errors)
    department_id = item.department_id or item.department.id
    clash = db.session.scalar(select(DepartmentAssessment.id).where(
        DepartmentAssessment.department_id == department_id,
        DepartmentAssessment.year == item.year, DepartmentAssessment.id != (item.id or 0)))
    if clash:
        raise Conflict(_("This department already has an assessment for %(year)s.",
                         year=item.year), {"year": _("Already assessed.")})


def record_assessment(raw: dict, user=None) -> DepartmentAssessment:
    """The Office records a department's assessed scores for a year (one per department and
    year), with the evidence."""
    ensure_office(user, _("performance assessments"))
    data = parse(AssessmentSchema(), raw, _ASSESSMENT_INVALID)
    item = DepartmentAssessment(department=department_of(data.pop("department")),
                                assessed_by=actor(user), assessed_at=utcnow(), **data)
    _check_assessment(item)
    db.session.add(item)
    db.session.flush()
    return item


def update_assessment(item: DepartmentAssessment, raw: dict, user=None) -> DepartmentAssessment:
    ensure_office(user, _("performance assessments"))
    for key, value in parse(AssessmentUpdateSchema(), raw, _ASSESSMENT_INVALID).items():
        setattr(item, key, value)
    item.assessed_by, item.assessed_at = actor(user), utcnow()
    _check_assessment(item)
    db.session.flush()
    return item


def check_form_assessment(item: DepartmentAssessment, user, creating: bool) -> None:
    """Rules for an assessment filled in by the web form."""
    with db.session.no_autoflush:
        ensure_office(user, _("performance assessments"))
        item.assessed_by, item.assessed_at = actor(user), utcnow()
        _check_assessment(item)


def get_visible_assessment(assessment_id, user) -> DepartmentAssessment:
    return scoping.get(DepartmentAssessment, assessment_id, user)

def assessments_of(year: int | None = None, user=None) -> list[DepartmentAssessment]:
    query = select(DepartmentAssessment).order_by(DepartmentAssessment.year,
                                                  DepartmentAssessment.department_id)
    if year:
        query = query.where(DepartmentAssessment.year == year)
    clause = department_clause(DepartmentAssessment.department_id, user)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.scalars(query))


# --- 后评价 -------------------------------------------------------------------------------

def post_evaluation_errors(item: PostEvaluation) -> dict:
    """Field -> message: the structured record the plan's post-evaluation asks for."""
    errors = {}
    for key in ("evaluator", "usage_indicator", "benefits"):
        if not (getattr(item, key) or "").strip():
            errors[key] = _("This field is required.")
    if item.evaluated_on is None:
        errors["evaluated_on"] = _("This field is required.")
    if item.objectives_met not in OBJECTIVES:
        errors["objectives_met"] = _("Choose one of: %(choices)s.", choices=", ".join(OBJECTIVES))
    for key in ("usage_target", "usage_actual", "final_cost"):
        value = getattr(item, key)
        if value is None or Decimal(value) < 0:
            errors[key] = _("Give a number of at least 0.")
    if item.usage_target is not None and Decimal(item.usage_target) == 0:
        errors["usage_target"] = _("The proposal's target must be above 0.")
    project = item.project
    if project is not None and item.evaluated_on and item.evaluated_on < project.start_date:
        errors["evaluated_on"] = _("The evaluation cannot be before the project started.")
    return errors


def _check_post_evaluation(item: PostEvaluation) -> None:
    project = item.project
    if project.status not in POST_EVALUATION_STATUSES:
        raise Conflict(_("A post-evaluation is recorded for a project in operation; this project "
                         "is %(status)s.", status=project.status_label()))
    errors = post_evaluation_errors(item)
    if errors:
        raise ValidationFailed(_POST_INVALID, errors)


def record_post_evaluation(raw: dict, user=None) -> PostEvaluation:
    """The Office records a project's post-evaluation once it is in operation; the project's
    post-evaluation milestone is reached on the evaluation date."""
    ensure_office(user, _("post-evaluations"))
    data = parse(PostEvaluationSchema(), raw, _POST_INVALID)
    project = find_project(data.pop("project"), user)
    if project.post_evaluation is not None:
        raise Conflict(_("This project has its post-evaluation already; update it instead."))
    item = PostEvaluation(project=project, recorded_by=actor(user), recorded_at=utcnow(), **data)
    _check_post_evaluation(item)
    db.session.add(item)
    reach_milestone(item)
    db.session.flush()
    return item


def update_post_evaluation(item: PostEvaluation, raw: dict, user=None) -> PostEvaluation:
    ensure_office(user, _("post-evaluations"))
    for key, value in parse(PostEvaluationUpdateSchema(), raw, _POST_INVALID).items():
        setattr(item, key, value)
    item.recorded_by, item.recorded_at = actor(user), utcnow()
    _check_post_evaluation(item)
    reach_milestone(item)
    db.session.flush()
    return item


def check_form_post_evaluation(item: PostEvaluation, user, creating: bool) -> None:
    with db.session.no_autoflush:
        if item.project is None:
            raise ValidationFailed(_POST_INVALID, {"project": _("This field is required.")})
        ensure_office(user, _("post-evaluations"))
        if creating and db.session.scalar(select(PostEvaluation.id).where(
                PostEvaluation.project_id == item.project.id)):
            raise Conflict(_("This project has its post-evaluation already; update it instead."))
        item.recorded_by, item.recorded_at = actor(user), utcnow()
        _check_post_evaluation(item)
        reach_milestone(item)


def reach_milestone(item: PostEvaluation) -> None:
    """The project's open post-evaluation milestone (后评价) is reached on the evaluation date,
    so that the record and the schedule say the same."""
    from projects.schedule.enums import DONE
    for milestone in item.project.milestones:
        if milestone.type == "post_evaluation" and milestone.status != DONE:
            milestone.actual_date = item.evaluated_on
            milestone.status = DONE


def get_visible_post_evaluation(evaluation_id, user) -> PostEvaluation:
    return scoping.get(PostEvaluation, evaluation_id, user)

def gate_post_evaluation(project: Project):
    """Lifecycle gate of `evaluated`: no evaluated project without its structured
    post-evaluation record (后评价)."""
    if project.post_evaluation is None:
        return _("Record the project's post-evaluation (objectives, usage, final cost, "
                 "benefits, problems, lessons, evaluator) before marking it evaluated.")
    return None
