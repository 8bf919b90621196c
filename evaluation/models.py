"""PublicEvaluation, DepartmentAssessment, PostEvaluation and TrainingRecord (DESIGN §2, from
the plan's guarantee measures). All are audited: moderation and assessments leave AuditEvents."""
import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (Date, DateTime, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.audit import Audited, utcnow
from evaluation.enums import ASSESSED_AREAS, OBJECTIVES, PUBLIC_STATUSES
from plan.models import Department
from projects.models import Project


class PublicEvaluation(Audited, Model):
    """A rating (1-5) and an optional comment from a member of the public on a project in
    operation. The comment is shown only once the Office published it; the department may add
    a public reply. The visitor's address is kept only as a keyed hash (rate limit and
    duplicate suppression), never in the audit trail."""

    __tablename__ = "public_evaluation"
    audit_exclude = ("address_hash", "fingerprint")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    nickname: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    address_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow,
                                                      index=True)
    moderated_by: Mapped[str | None] = mapped_column(String(128))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    moderation_note: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(128))
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    project: Mapped[Project] = relationship(backref=backref(
        "public_evaluations", cascade="all, delete-orphan", passive_deletes=True))

    def status_label(self):
        return PUBLIC_STATUSES.get(self.status, self.status)

    def audit_key(self):
        return f"{self.project.code}/public/{self.id}" if self.project else str(self.id)

    def __str__(self):
        return f"{self.project.code} ★{self.rating}" if self.project else f"★{self.rating}"


class DepartmentAssessment(Audited, Model):
    """A department's yearly performance assessment (绩效评估) by the Office: scores 0-100 for
    信息公开, 网上办事, 公众参与 and 网站建设, with the evidence (a note, a file, or both)."""

    __tablename__ = "department_assessment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False,
                                               index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    information_disclosure: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    online_services: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    public_participation: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    website_construction: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_stored: Mapped[str | None] = mapped_column(String(80))
    assessed_by: Mapped[str] = mapped_column(String(128), nullable=False)
    assessed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    department: Mapped[Department] = relationship()
    __table_args__ = (UniqueConstraint("department_id", "year",
                                       name="uq_department_assessment_year"),)

    def scores(self) -> dict:
        return {key: getattr(self, key) for key in ASSESSED_AREAS}

    def audit_key(self):
        return f"{self.department.code}/{self.year}" if self.department else str(self.id)

    def __str__(self):
        return f"{self.department.label()} {self.year}" if self.department else str(self.year)


class PostEvaluation(Audited, Model):
    """A project's post-evaluation (后评价): objectives met, usage against the proposal's
    target, final cost against the approved budget, benefits, problems, lessons, evaluator."""

    __tablename__ = "post_evaluation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, unique=True)
    evaluated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    evaluator: Mapped[str] = mapped_column(String(200), nullable=False)
    objectives_met: Mapped[str] = mapped_column(String(10), nullable=False)
    objectives_note: Mapped[str | None] = mapped_column(Text)
    usage_indicator: Mapped[str] = mapped_column(String(120), nullable=False)
    usage_target: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    usage_actual: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    final_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    benefits: Mapped[str] = mapped_column(Text, nullable=False)
    problems: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(backref=backref(
        "post_evaluation", uselist=False, cascade="all, delete-orphan", passive_deletes=True))

    def objectives_label(self):
        return OBJECTIVES.get(self.objectives_met, self.objectives_met)

    def usage_ratio(self) -> float | None:
        """Actual usage out of the proposal's target."""
        return float(self.usage_actual / self.usage_target) if self.usage_target else None

    def cost_variance(self) -> float | None:
        """(final cost - approved budget) / approved budget."""
        budget = self.project.budget_total if self.project else None
        return float((self.final_cost - budget) / budget) if budget else None

    def audit_key(self):
        return f"{self.project.code}/post-evaluation" if self.project else str(self.id)

    def __str__(self):
        return f"{self.project.code} {self.evaluated_on}" if self.project else str(self.id)


class TrainingRecord(Audited, Model):
    """A training course held for a department's staff (培训): date, subject, hours, how many
    attended and how many passed the examination."""

    __tablename__ = "training_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False,
                                               index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    attendees: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    department: Mapped[Department] = relationship()

    def pass_rate(self) -> float | None:
        return self.passed / self.attendees if self.attendees else None

    def __str__(self):
        return f"{self.held_on} {self.subject}"
