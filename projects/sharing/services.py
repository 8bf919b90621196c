"""Data sharing through the catalogue (信息资源共享). Plan T5/P2: an information-resource
catalogue and exchange system (信息资源目录与交换服务体系), so that departments share data
instead of rebuilding it.

A department requests a shared data item from its owner department (purpose, fields, the
project that will use it); the owner approves or declines with a reason. An approved request
links the consuming project to the item (a `consumes` entry in its information resources), and
the catalogue shows who uses what. The duplicate guard reads `shared_items_used_by` ("uses,
does not rebuild") and `published_items_like` (a proposal producing data another department
publishes already).
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from sqlalchemy import func, or_, select

from core.audit import current_actor, set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.extensions import db
from core import scoping
from core.security import OFFICE, has_role, is_department_scoped
from projects import enums as s
from projects.guard.models import DataItem
from projects.models import Project
from core.schemas import TEXT_ERRORS as _TEXT
from core.schemas import BlanksAsNone as _Blanks
from core.schemas import ProjectRef, parse
from projects.scopes import find_visible_project as find_project
from projects.sharing.models import (APPROVED, DECLINED, PENDING, WITHDRAWN, SharingRequest)

_INVALID = _l("The sharing request has invalid fields.")
TEXT_MAX = 2000


class RequestSchema(_Blanks):
    data_item = fields.Integer(required=True, strict=False,
                               error_messages={"invalid": _l("Give the data item's id."),
                                               "required": _l("This field is required.")})
    project = ProjectRef(required=True, error_messages=_TEXT)
    purpose = fields.String(required=True, error_messages=_TEXT)
    fields_ = fields.String(required=True, data_key="fields", error_messages=_TEXT)


class DecisionSchema(_Blanks):
    decision = fields.String(required=True, error_messages=_TEXT)
    reason = fields.String(allow_none=True, error_messages=_TEXT)


def published_item(item_id) -> DataItem:
    """A data item of the catalogue: produced by a project and shared by its owner."""
    item = db.session.get(DataItem, item_id) if item_id else None
    if item is None or not item.shared or item.direction != "produces":
        raise NotFound(_("No such shared data item in the catalogue."),
                       {"data_item": _("Not in the catalogue.")})
    return item


def owner_of(item: DataItem) -> int:
    return item.owner_department_id or item.project.department_id


def request_sharing(raw: dict, user=None) -> SharingRequest:
    """A department asks the owner of a shared item for it, for one of its own projects, saying
    what for and which fields it needs. One open request per item and project."""
    data = parse(RequestSchema(), raw, _INVALID)
    item = published_item(data["data_item"])
    project = find_project(data["project"], user)
    request = SharingRequest(data_item=item, project=project, purpose=data["purpose"],
                             fields=data["fields_"])
    _check_request(request, user)
    db.session.add(request)
    db.session.flush()
    return request


def check_form_request(request: SharingRequest, user) -> None:
    """Rules for a request filled in by the web form (FAB has set its attributes)."""
    with db.session.no_autoflush:
        if request.data_item is None:
            raise ValidationFailed(_INVALID, {"data_item": _("This field is required.")})
        published_item(request.data_item.id)
        if request.project is None:
            raise ValidationFailed(_INVALID, {"project": _("This field is required.")})
        _check_request(request, user)


def _check_request(request: SharingRequest, user) -> None:
    with db.session.no_autoflush:  # the request is not complete yet
        _check_request_fields(request, user)


def _check_request_fields(request: SharingRequest, user) -> None:
    item, project = request.data_item, request.project
    if user is not None and not has_role(user, OFFICE) and not (
            is_department_scoped(user) and project.department_id == user.department_id):
        raise NotAllowed(_("A department requests data for its own projects only."),
                         {"project": _("Not your department.")})
    if owner_of(item) == project.department_id:
        raise ValidationFailed(_INVALID, {"data_item": _(
            "The item belongs to the project's own department: no request needed.")})
    if project.status in (s.REJECTED, s.CLOSED):
        raise Conflict(_("The project is %(status)s.", status=project.status_label()))
    errors = {}
    purpose, wanted = (request.purpose or "").strip(), (request.fields or "").strip()
    if not purpose:
        errors["purpose"] = _("This field is required.")
    if not wanted:
        errors["fields"] = _("This field is required.")
    if len(purpose) > TEXT_MAX or len(wanted) > TEXT_MAX:
        errors.setdefault("purpose", _("At most %(n)s characters.", n=TEXT_MAX))
    if errors:
        raise ValidationFailed(_INVALID, errors)
    if db.session.scalar(select(func.count()).select_from(SharingRequest).where(
            SharingRequest.data_item_id == item.id, SharingRequest.project_id == project.id,
            SharingRequest.status.in_((PENDING, APPROVED)), SharingRequest.id != (request.id or 0))):
        raise Conflict(_("This project has an open or approved request for the item already."))
    request.purpose, request.fields = purpose, wanted
    request.requesting_department_id = project.department_id
    request.owner_department_id = owner_of(item)
    request.status = PENDING
    request.requested_by = user.username if user else current_actor()
    request.requested_at = utcnow()


def decide(request: SharingRequest, raw: dict, user=None) -> SharingRequest:
    """The owner department (its ProjectManager) or the Office approves or declines a pending
    request; a decline says why. An approval links the consuming project to the item."""
    data = parse(DecisionSchema(), raw, _INVALID)
    if user is not None and not has_role(user, OFFICE) and not (
            is_department_scoped(user) and request.owner_department_id == user.department_id):
        raise NotAllowed(_("Only the owner department decides on sharing its data."))
    if request.status != PENDING:
        raise Conflict(_("The request was decided already (%(status)s).",
                         status=request.status_label()))
    decision, reason = data["decision"], (data.get("reason") or "").strip()[:TEXT_MAX]
    if decision not in ("approve", "decline"):
        raise ValidationFailed(_INVALID, {"decision": _("Choose approve or decline.")})
    if decision == "decline" and not reason:
        raise ValidationFailed(_INVALID, {"reason": _("Say why the request is declined.")})
    request.status = APPROVED if decision == "approve" else DECLINED
    request.reason = reason or None
    request.decided_by = user.username if user else current_actor()
    request.decided_at = utcnow()
    if request.status == APPROVED:
        item = request.data_item
        request.consumer_item = DataItem(
            project=request.project, name=item.name, direction="consumes",
            owner_department_id=request.owner_department_id, shared=True,
            description=_("Shared by %(department)s (request %(id)s): %(fields)s",
                          department=request.owner_department.label(), id=request.id,
                          fields=request.fields))
    set_audit_note(db.session, f"sharing request: {decision}")
    db.session.flush()
    return request


def withdraw(request: SharingRequest, user=None) -> None:
    """The requesting department withdraws a request still pending."""
    if user is not None and not has_role(user, OFFICE) and not (
            is_department_scoped(user) and request.requesting_department_id == user.department_id):
        raise NotAllowed(_("Only the requesting department withdraws its request."))
    if request.status != PENDING:
        raise Conflict(_("The request was decided already (%(status)s).",
                         status=request.status_label()))
    request.status = WITHDRAWN
    request.decided_at = utcnow()
    request.decided_by = user.username if user else current_actor()
    db.session.flush()


def visibility_clause(user):
    """Requests a user may read: a ProjectManager those its department made or received; the
    Office, the Auditor and Admin all (None)."""
    if user is None or not is_department_scoped(user):
        return None
    return or_(SharingRequest.requesting_department_id == user.department_id,
               SharingRequest.owner_department_id == user.department_id)


def get_visible_request(request_id, user) -> SharingRequest:
    return scoping.get(SharingRequest, request_id, user)

def usage(limit: int = 500) -> list[tuple[DataItem, list[SharingRequest]]]:
    """Shared items of the catalogue with the approved requests that use them (who uses what)."""
    rows = db.session.scalars(
        select(SharingRequest).where(SharingRequest.status == APPROVED)
        .order_by(SharingRequest.data_item_id, SharingRequest.id).limit(limit))
    by_item: dict[int, list] = {}
    for request in rows:
        by_item.setdefault(request.data_item_id, []).append(request)
    items = db.session.scalars(select(DataItem).where(DataItem.id.in_(by_item))
                               .order_by(DataItem.name)) if by_item else []
    return [(item, by_item[item.id]) for item in items]


# --- for the duplicate guard (wired by projects/guard) -------------------------------------

def shared_items_used_by(project_id: int) -> list[dict]:
    """What the project uses through approved sharing requests: it uses these, it does not
    rebuild them. [{"data_item_id", "name", "owner_department", "source_project"}]"""
    rows = db.session.execute(
        select(DataItem.id, DataItem.name, SharingRequest.owner_department_id, Project.code)
        .join(SharingRequest, SharingRequest.data_item_id == DataItem.id)
        .join(Project, Project.id == DataItem.project_id)
        .where(SharingRequest.project_id == project_id, SharingRequest.status == APPROVED))
    return [{"data_item_id": i, "name": n, "owner_department_id": d, "source_project": c}
            for i, n, d, c in rows]


def published_items_like(name: str, exclude_department_id: int | None = None,
                         limit: int = 10) -> list[dict]:
    """Shared data items that another department publishes under this name (or a name that
    contains it, or is contained in it): a proposal producing one of them rebuilds shared data.
    [{"data_item_id", "name", "owner_department_id", "project_id", "project_code"}]"""
    name = (name or "").strip()
    if len(name) < 2:
        return []
    owner = func.coalesce(DataItem.owner_department_id, Project.department_id)
    query = (select(DataItem.id, DataItem.name, owner, Project.id, Project.code)
             .join(Project, Project.id == DataItem.project_id)
             .where(DataItem.shared.is_(True), DataItem.direction == "produces",
                    or_(DataItem.name == name, DataItem.name.contains(name, autoescape=True),
                        func.instr(name, DataItem.name) > 0
                        if db.engine.dialect.name == "sqlite"
                        else func.strpos(name, DataItem.name) > 0))
             .order_by(DataItem.name).limit(limit))
    if exclude_department_id:
        query = query.where(owner != exclude_department_id)
    return [{"data_item_id": i, "name": n, "owner_department_id": d, "project_id": p,
             "project_code": c} for i, n, d, p, c in db.session.execute(query)]
