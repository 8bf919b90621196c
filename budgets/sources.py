"""Funding sources (资金来源): the Office keeps the list; a source in use stays."""
import json
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from budgets import schemas
from budgets.money import refuse
from budgets.models import FundingLine, FundingSource
from core.errors import Conflict, NotAllowed
from core.extensions import db
from core.security import OFFICE, has_role


def seed_funding_sources(path) -> int:
    """Add the funding sources of the data file that are missing (by code); idempotent, and the
    Office's later edits of names are kept. Returns how many were added."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    known = set(db.session.scalars(select(FundingSource.code)))
    added = 0
    for position, item in enumerate(items, start=1):
        if item["code"] not in known:
            db.session.add(FundingSource(position=position, **item))
            added += 1
    db.session.flush()
    return added


def ensure_office(user) -> None:
    if user is not None and not has_role(user, OFFICE):
        raise NotAllowed(_("Funding sources are maintained by the Office."))


def save_source(source: FundingSource | None, raw, user=None) -> FundingSource:
    """Add or change a funding source (Office): code and name required and unique."""
    ensure_office(user)
    schema = schemas.FundingSourceUpdateSchema() if source else schemas.FundingSourceSchema()
    data = schemas.load(schema, raw, _("The funding source has invalid fields."))
    source = source or FundingSource()
    with db.session.no_autoflush:
        for key, value in data.items():
            setattr(source, key, value)
        check_source(source)
    db.session.add(source)
    db.session.flush()
    return source


def check_source(source: FundingSource) -> None:
    errors = {}
    for field in ("code", "name"):
        value = (getattr(source, field) or "").strip()
        if not value:
            errors[field] = _("This field is required.")
            continue
        clash = select(FundingSource.id).where(getattr(FundingSource, field) == value)
        if source.id is not None:
            clash = clash.where(FundingSource.id != source.id)
        if db.session.scalar(clash) is not None:
            errors[field] = _("Already used by another funding source.")
    refuse(errors, _("The funding source has invalid fields."))


def ensure_source_deletable(source: FundingSource, user=None) -> None:
    """The Office deletes a funding source that no funding line uses."""
    ensure_office(user)
    used = db.session.scalar(select(func.count()).select_from(FundingLine)
                             .where(FundingLine.source_id == source.id))
    if used:
        raise Conflict(_("%(n)d funding lines use this source; it cannot be deleted.", n=used))


def delete_source(source: FundingSource, user=None) -> None:
    ensure_source_deletable(source, user)
    db.session.delete(source)
    db.session.flush()
