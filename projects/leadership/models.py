"""LeadershipDecision and LeadershipReferral (DESIGN §2)."""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from flask_babel import lazy_gettext as _l

from core.audit import Audited, utcnow
from projects.models import Project

DECISIONS = {
    "approve": _l("Approved by the group"),
    "conditional": _l("Approved with conditions"),
    "defer": _l("Deferred"),
    "reject": _l("Not approved"),
}
APPROVING = ("approve", "conditional")


class LeadershipReferral(Audited, Model):
    """The Office refers a project to the leadership group (whatever its budget)."""

    __tablename__ = "leadership_referral"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    referred_by: Mapped[str] = mapped_column(String(128), nullable=False)
    referred_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(backref=backref(
        "leadership_referral", uselist=False, cascade="all, delete-orphan",
        passive_deletes=True))


class LeadershipDecision(Audited, Model):
    """A decision of the e-government leadership group (领导小组) on a project, as minuted:
    meeting date, minute number (会议纪要号), the decision, and the attached minute."""

    __tablename__ = "leadership_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    minute_number: Mapped[str] = mapped_column(String(60), nullable=False)
    decision: Mapped[str] = mapped_column(String(12), nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_stored: Mapped[str | None] = mapped_column(String(80))
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(backref=backref(
        "leadership_decisions", order_by="LeadershipDecision.id", cascade="all, delete-orphan",
        passive_deletes=True))

    def decision_label(self):
        return DECISIONS.get(self.decision, self.decision)

    def audit_key(self):
        return f"{self.project.code}/leadership/{self.id}" if self.project else str(self.id)

    def __str__(self):
        return f"{self.minute_number} {self.decision}"
