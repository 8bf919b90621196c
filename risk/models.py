"""Risk and RatingEntry (DESIGN §2). Both are audited: a risk's history is its AuditEvents."""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.audit import Audited, utcnow
from core.versioning import Versioned
from projects.models import Project
from risk.enums import CATEGORIES, CAUSES, RATING_KINDS, STATUSES, WINDOWS


class Risk(Versioned, Audited, Model):
    """A risk to a project: what may happen, how likely (1-5), how bad (1-5), who owns it and
    what is done about it. `cause` is set on risks PlanGuard raised itself; at most one such
    risk per project and cause is open at a time (a partial unique index)."""

    __tablename__ = "risk"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer, nullable=False)
    impact: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    owner: Mapped[str | None] = mapped_column(String(128))
    mitigation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    next_review: Mapped[dt.date | None] = mapped_column(Date, index=True)
    cause: Mapped[str | None] = mapped_column(String(40))
    raised_by: Mapped[str] = mapped_column(String(128), nullable=False)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    project: Mapped[Project] = relationship(backref=backref(
        "risks", order_by="Risk.id", cascade="all, delete-orphan", passive_deletes=True))

    __table_args__ = (
        Index("uq_risk_open_system_cause", "project_id", "cause", unique=True,
              sqlite_where=text("cause IS NOT NULL AND status != 'closed'"),
              postgresql_where=text("cause IS NOT NULL AND status != 'closed'")),
    )

    @property
    def system_raised(self) -> bool:
        return self.cause is not None

    def band(self) -> str:
        from risk.scoring import band_of
        return band_of(self.score)

    def band_label(self):
        from risk.enums import BANDS
        return BANDS.get(self.band(), self.band())

    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    def status_label(self):
        return STATUSES.get(self.status, self.status)

    def cause_label(self):
        return CAUSES.get(self.cause, "") if self.cause else ""

    def project_code(self):
        return self.project.code

    def audit_key(self):
        return f"{self.project.code}/risk/{self.id}" if self.project else str(self.id)

    def __str__(self):
        return f"{self.project.code} {self.title}"


class RatingEntry(Audited, Model):
    """One rating of a project as given: computed by the rules (per window, recorded when it
    changes) or manual with its reason. The latest of each kind and window is the current one."""

    __tablename__ = "risk_rating"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # computed, manual
    span: Mapped[str] = mapped_column(String(12), nullable=False, default="cumulative")
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    contributions: Mapped[list | None] = mapped_column(JSON)
    rated_by: Mapped[str] = mapped_column(String(128), nullable=False)
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow,
                                                  index=True)

    project: Mapped[Project] = relationship()

    def kind_label(self):
        return RATING_KINDS.get(self.kind, self.kind)

    def window_label(self):
        return WINDOWS.get(self.span, self.span)

    def __str__(self):
        return f"{self.project.code} {self.kind} {self.rating}"
