"""Public evaluation (公众评价): "引入公众评价机制,强化社会监督" (plan G4).

Anyone may rate a project in operation (1-5) and leave a comment, without an account. The form
is bounded and abuse-resistant: length limits, a per-address rate limit (Flask-Limiter on the
route, and a daily quota per address here, in the database, so that it holds across workers),
a honeypot field, no HTML, duplicate suppression. A comment waits in the Office's moderation
queue and is published only when approved, optionally with a public reply from the department;
a rating alone counts at once. Every moderation step is audited. The visitor's address is kept
only as a keyed hash.
"""
import datetime as dt
import hashlib
import hmac
import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit import acting_as, set_audit_note, utcnow
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.extensions import db
from core import scoping
from core.security import OFFICE, has_role, is_department_scoped
from evaluation.enums import PENDING, PUBLISHED, RATEABLE_STATUSES, REJECTED
from evaluation.models import PublicEvaluation
from projects.models import Project

PUBLIC_ACTOR = "public"
NICKNAME_MAX = 30
REPLY_MAX = 1000
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|&#?[A-Za-z0-9]+;")
_SPACE = re.compile(r"\s+")


# --- what the public may rate ---------------------------------------------------------------

def withheld(project: Project) -> bool:
    """A project marked 不予公开 stays off the public pages (the flag comes with the
    disclosure work; until then no project is withheld)."""
    return bool(getattr(project, "withheld", False) or getattr(project, "not_disclosed", False))


def rateable_project(code: str) -> Project:
    """The project the public may rate: disclosed and in operation, else NotFound."""
    project = db.session.scalar(select(Project).where(Project.code == (code or "")[:40]))
    if project is None or project.status not in RATEABLE_STATUSES or withheld(project):
        raise NotFound(_("No such project in operation."))
    return project


def address_hash(address: str | None) -> str:
    """The visitor's address as a keyed hash: enough to count and to suppress duplicates,
    useless to anyone who reads the table."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()


def clean_text(value, limit: int, field: str) -> str | None:
    """Plain text: control characters dropped, whitespace trimmed, at most `limit` characters,
    and no HTML (a tag or an entity is refused, not silently stripped)."""
    text = "".join(ch for ch in str(value or "") if ch in "\n\t" or
                   unicodedata.category(ch)[0] != "C").strip()
    if not text:
        return None
    if _TAG.search(text):
        raise ValidationFailed(_("Plain text only: HTML is not accepted."),
                               {field: _("Remove the HTML tags.")})
    if len(text) > limit:
        raise ValidationFailed(_("At most %(n)s characters.", n=limit),
                               {field: _("At most %(n)s characters.", n=limit)})
    return text


def _fingerprint(project_id: int, comment: str | None) -> str | None:
    if not comment:
        return None
    normal = _SPACE.sub("", unicodedata.normalize("NFKC", comment)).lower()
    return hashlib.sha256(f"{project_id}:{normal}".encode()).hexdigest()


def _rating(value) -> int:
    try:
        rating = int(str(value).strip())
    except (TypeError, ValueError):
        rating = 0
    if rating not in range(1, 6):
        raise ValidationFailed(_("Choose a rating from 1 to 5 stars."),
                               {"rating": _("Give a whole number from 1 to 5.")})
    return rating


def submit_public_evaluation(project: Project, rating, comment=None, nickname=None,
                             address=None, honeypot=None) -> PublicEvaluation | None:
    """Take a member of the public's rating and comment. Returns None, storing nothing, when the
    honeypot field is filled (a robot); refuses more than the daily quota per address, a second
    rating of the same project from the same address within a day, and a comment already given
    on the project (duplicate suppression)."""
    if (honeypot or "").strip():
        return None
    if project.status not in RATEABLE_STATUSES or withheld(project):
        raise NotFound(_("No such project in operation."))
    rating = _rating(rating)
    comment = clean_text(comment, int(current_app.config["PUBLIC_COMMENT_MAX_CHARS"]), "comment")
    nickname = clean_text(nickname, NICKNAME_MAX, "nickname")
    who = address_hash(address)
    now = utcnow()
    since = now - dt.timedelta(days=1)
    recent = select(func.count()).select_from(PublicEvaluation).where(
        PublicEvaluation.address_hash == who, PublicEvaluation.submitted_at >= since)
    if db.session.scalar(recent) >= int(current_app.config["PUBLIC_EVALUATION_DAILY_QUOTA"]):
        raise Conflict(_("Too many evaluations from your address today; please come back "
                         "tomorrow."))
    if db.session.scalar(recent.where(PublicEvaluation.project_id == project.id)):
        raise Conflict(_("You have already rated this project today. Thank you."))
    fingerprint = _fingerprint(project.id, comment)
    if fingerprint and db.session.scalar(select(func.count()).select_from(PublicEvaluation).where(
            PublicEvaluation.fingerprint == fingerprint, PublicEvaluation.submitted_at >= now -
            dt.timedelta(days=int(current_app.config["PUBLIC_DUPLICATE_DAYS"])))):
        raise Conflict(_("The same comment was already given on this project."),
                       {"comment": _("Duplicate comment.")})
    item = PublicEvaluation(project_id=project.id, rating=rating, comment=comment,
                            nickname=nickname if comment else None,
                            status=PENDING if comment else PUBLISHED, address_hash=who,
                            fingerprint=fingerprint, submitted_at=now)
    with acting_as(PUBLIC_ACTOR):
        db.session.add(item)
        set_audit_note(db.session, "public evaluation")
        db.session.flush()
    return item


# --- what the public page shows -------------------------------------------------------------

def rating_summaries(project_ids) -> dict:
    """project id -> (number of ratings, average) over ratings not rejected."""
    ids = list(project_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PublicEvaluation.project_id, func.count(), func.avg(PublicEvaluation.rating))
        .where(PublicEvaluation.project_id.in_(ids), PublicEvaluation.status != REJECTED)
        .group_by(PublicEvaluation.project_id))
    return {pid: (count, round(float(avg), 2)) for pid, count, avg in rows}


def rating_histogram(project: Project) -> dict:
    rows = db.session.execute(
        select(PublicEvaluation.rating, func.count())
        .where(PublicEvaluation.project_id == project.id, PublicEvaluation.status != REJECTED)
        .group_by(PublicEvaluation.rating))
    counts = dict(rows.all())
    return {star: counts.get(star, 0) for star in range(5, 0, -1)}


def published_comments(project: Project, limit: int = 50) -> list[PublicEvaluation]:
    return list(db.session.scalars(
        select(PublicEvaluation).where(PublicEvaluation.project_id == project.id,
                                       PublicEvaluation.status == PUBLISHED,
                                       PublicEvaluation.comment.is_not(None))
        .order_by(PublicEvaluation.moderated_at.desc(), PublicEvaluation.id.desc()).limit(limit)))


# --- inside: who sees and moderates ---------------------------------------------------------

def visibility_clause(user):
    """Evaluations the user may read: a ProjectManager those of its department's projects; the
    Office, the Auditor and Admin all (None)."""
    if user is None or not is_department_scoped(user):
        return None
    return PublicEvaluation.project_id.in_(select(Project.id).where(
        Project.department_id == user.department_id))


def get_visible_evaluation(evaluation_id, user) -> PublicEvaluation:
    """The evaluation within the user's scope (evaluation.scopes), else NotFound."""
    return scoping.get(PublicEvaluation, evaluation_id, user)

def moderation_queue(user, limit: int = 200) -> list[PublicEvaluation]:
    """Comments waiting for the Office, oldest first."""
    query = select(PublicEvaluation).where(PublicEvaluation.status == PENDING) \
        .order_by(PublicEvaluation.submitted_at, PublicEvaluation.id).limit(limit) \
        .options(selectinload(PublicEvaluation.project))
    clause = visibility_clause(user)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.scalars(query))


def moderate(item: PublicEvaluation, decision: str, user, note: str | None = None) -> None:
    """The Office publishes or rejects a comment waiting for moderation; a rejection says why.
    The step is audited (who, when, the decision and the note)."""
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Only the Office moderates public evaluations."))
    if decision not in ("publish", "reject"):
        raise ValidationFailed(_("Choose publish or reject."), {"decision": _("Unknown.")})
    if item.status != PENDING:
        raise Conflict(_("This evaluation was already moderated (%(status)s).",
                         status=item.status_label()))
    note = clean_text(note, REPLY_MAX, "note")
    if decision == "reject" and not note:
        raise ValidationFailed(_("Say why the comment is rejected."),
                               {"note": _("This field is required.")})
    item.status = PUBLISHED if decision == "publish" else REJECTED
    item.moderated_by = user.username if user else "system"
    item.moderated_at = utcnow()
    item.moderation_note = note
    set_audit_note(db.session, f"moderation: {decision}")
    db.session.flush()


def reply(item: PublicEvaluation, text: str, user) -> None:
    """The project's department (its ProjectManager) or the Office answers a published comment
    in public; the reply is plain text like the comment, and audited."""
    if user is not None and not has_role(user, OFFICE) and not (
            is_department_scoped(user) and item.project.department_id == user.department_id):
        raise NotAllowed(_("Only the project's department or the Office replies."))
    if item.status != PUBLISHED or not item.comment:
        raise Conflict(_("Only a published comment can be answered."))
    text = clean_text(text, REPLY_MAX, "reply")
    if not text:
        raise ValidationFailed(_("Write the reply."), {"reply": _("This field is required.")})
    item.reply = text
    item.replied_by = user.username if user else "system"
    item.replied_at = utcnow()
    set_audit_note(db.session, "public reply")
    db.session.flush()


def satisfaction_by_department(year: int) -> dict:
    """department id -> (average rating 1-5, number of ratings) given in the year."""
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    rows = db.session.execute(
        select(Project.department_id, func.avg(PublicEvaluation.rating), func.count())
        .join(Project, Project.id == PublicEvaluation.project_id)
        .where(PublicEvaluation.status != REJECTED, PublicEvaluation.submitted_at >= start,
               PublicEvaluation.submitted_at < end)
        .group_by(Project.department_id))
    return {dep: (float(avg), count) for dep, avg, count in rows}
