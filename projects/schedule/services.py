"""Milestone rules: who keeps a project's milestones, what a valid milestone is, the templates
applied on approval, and the lifecycle gates (DESIGN §3). Views, API, CLI and demo call these.
`user=None` means the system itself (CLI, seeding, the approval hook)."""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.extensions import db
from core.security import is_department_scoped
from projects.enums import APPROVED_OR_LATER, CLOSED
from projects.models import Project
from projects.schedule import rules
from projects.schedule.enums import CANCELLED, DONE, MILESTONE_STATUSES, MILESTONE_TYPES
from projects.schedule.models import Milestone
from core.schemas import parse
from projects.schedule.schemas import MilestoneInputSchema, MilestoneUpdateSchema
from projects.scopes import can_see, find_visible_project

REPEATABLE = ("supervision_report",)


# --- who keeps the milestones ---------------------------------------------------------------

def ensure_may_keep_milestones(user, project: Project) -> None:
    """The ProjectManager of the owning department keeps a project's milestones, from its
    approval until it is closed."""
    if project.status not in APPROVED_OR_LATER or project.status == CLOSED:
        raise Conflict(_("Milestones are kept from approval until the project is closed; this "
                         "project is %(status)s.", status=project.status_label()))
    if user is None:
        return
    if is_department_scoped(user) and project.department_id == user.department_id:
        return
    raise NotAllowed(_("Only a ProjectManager of %(department)s updates this project's "
                       "milestones.", department=project.department.label()))


# --- what a valid milestone is ---------------------------------------------------------------

def milestone_errors(milestone: Milestone, on: dt.date | None = None) -> dict:
    """Field -> message: a listed type and status, a planned date, no actual date in the
    future, and a done milestone has its actual date (an undone one none)."""
    on = on or clock.today()
    errors = {}
    if milestone.type not in MILESTONE_TYPES:
        errors["type"] = _("Choose one of: %(choices)s.", choices=", ".join(MILESTONE_TYPES))
    if milestone.status not in MILESTONE_STATUSES:
        errors["status"] = _("Choose one of: %(choices)s.", choices=", ".join(MILESTONE_STATUSES))
    if milestone.planned_date is None:
        errors["planned_date"] = _("This field is required.")
    if milestone.actual_date is not None and milestone.actual_date > on:
        errors["actual_date"] = _("The actual date cannot be in the future.")
    if milestone.status == DONE and milestone.actual_date is None:
        errors["actual_date"] = _("Give the date on which the milestone was reached.")
    if milestone.status != DONE and milestone.actual_date is not None \
            and milestone.status in MILESTONE_STATUSES:
        errors["status"] = _("A milestone with an actual date is done.")
    if milestone.status == CANCELLED and not (milestone.note or "").strip():
        errors["note"] = _("Say why the milestone is cancelled.")
    return errors


def _checked(milestone: Milestone) -> None:
    errors = milestone_errors(milestone)
    if errors:
        raise ValidationFailed(_("The milestone has invalid fields."), errors)


def _apply(milestone: Milestone, data: dict) -> None:
    for key in ("planned_date", "actual_date", "status", "note"):
        if key in data:
            setattr(milestone, key, data[key])
    if data.get("actual_date") and "status" not in data:
        milestone.status = DONE  # recording the date the milestone was reached completes it
    if "status" in data and data["status"] != DONE and "actual_date" not in data:
        milestone.actual_date = None


def create_milestone(raw: dict, user=None) -> Milestone:
    """Add a milestone to a project (e.g. a tender the templates did not plan). Its baseline
    is its first planned date. One of each type, except the monthly supervision reports."""
    data = parse(MilestoneInputSchema(), raw, _l("The milestone has invalid fields."))
    project = find_visible_project(data["project"], user)
    ensure_may_keep_milestones(user, project)
    milestone = Milestone(type=data["type"], status=data.get("status") or "planned",
                          sequence=1, planned_date=data["planned_date"],
                          baseline_date=data["planned_date"])
    _apply(milestone, {k: v for k, v in data.items() if k in ("actual_date", "note")})
    if data.get("status"):
        milestone.status = data["status"]
    same = [m for m in project.milestones if m.type == milestone.type]
    if milestone.type in REPEATABLE:
        milestone.sequence = max((m.sequence for m in same), default=0) + 1
    elif any(m.status != CANCELLED for m in same):
        raise Conflict(_("The project already has this milestone; update it instead."),
                       {"type": _("Already planned.")})
    with db.session.no_autoflush:
        _checked(milestone)
    milestone.project = project
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(milestone: Milestone, raw: dict, user=None) -> Milestone:
    """Record what happened: actual date, status, note, or a moved planned date. The baseline
    stays (only an approved re-baseline moves it)."""
    ensure_may_keep_milestones(user, milestone.project)
    data = parse(MilestoneUpdateSchema(), raw, _l("The milestone has invalid fields."))
    with db.session.no_autoflush:
        _apply(milestone, data)
        _checked(milestone)
    db.session.flush()
    return milestone


def check_form_milestone(milestone: Milestone, user, creating: bool) -> None:
    """Rules for a milestone filled in by a web form (FAB has already set its attributes)."""
    with db.session.no_autoflush:
        if milestone.project is None:
            raise ValidationFailed(_("The milestone has invalid fields."),
                                   {"project": _("This field is required.")})
        if creating:
            if not can_see(user, milestone.project):
                raise NotFound(_("No such project."))
            milestone.baseline_date = milestone.planned_date
            milestone.status = milestone.status or "planned"
            same = [m for m in milestone.project.milestones
                    if m.type == milestone.type and m is not milestone]
            if milestone.type in REPEATABLE:
                milestone.sequence = max((m.sequence for m in same), default=0) + 1
            elif any(m.status != CANCELLED for m in same):
                raise Conflict(_("The project already has this milestone; update it instead."))
        ensure_may_keep_milestones(user, milestone.project)
        if milestone.actual_date and milestone.status in ("planned", "in_progress"):
            milestone.status = DONE
        _checked(milestone)


# --- templates on approval ------------------------------------------------------------------

def apply_templates(project: Project) -> list[Milestone]:
    """Plan the project's milestones from the rules file and its period, budget and protection
    level. A project that has milestones already keeps them (nothing is planned twice)."""
    if project.milestones:
        return []
    added = [Milestone(type=p.type, sequence=p.sequence, planned_date=p.date,
                       baseline_date=p.date, status="planned")
             for p in rules.plan_milestones(project.start_date, project.end_date,
                                            project.budget_total, project.protection_level)]
    project.milestones.extend(added)
    db.session.flush()
    return added


def plan_on_approval(project: Project, user=None) -> None:
    """Lifecycle hook: an approved project gets its milestones."""
    apply_templates(project)


# --- lifecycle gates ------------------------------------------------------------------------

def _missing(project: Project, *types: str) -> list[str]:
    done = {m.type for m in project.milestones if m.status == DONE}
    return [str(MILESTONE_TYPES[t]) for t in types if t not in done]


def _refusal(action, missing: list[str]):
    if not missing:
        return None
    return _("%(action)s needs these milestones done first: %(missing)s.", action=action,
             missing="、".join(missing))


def gate_construction(project: Project):
    """No construction without a signed contract, and a supervision contract where the budget
    requires engineering supervision (工程监理)."""
    types = ["contract"] + (["supervision_contract"] if rules.requires(project, "supervision")
                            else [])
    return _refusal(_("Construction"), _missing(project, *types))


def gate_acceptance(project: Project):
    """No acceptance without the final acceptance (竣工验收), and where the protection level is 2
    or above the security assessment (等保测评): security built in step with the project."""
    types = (["security_assessment"] if rules.requires(project, "security_assessment")
             else []) + ["final_acceptance"]
    return _refusal(_("Acceptance"), _missing(project, *types))


def gate_evaluation(project: Project):
    """No evaluated project without its post-evaluation (后评价)."""
    return _refusal(_("Evaluation"), _missing(project, "post_evaluation"))
