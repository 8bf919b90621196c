"""Milestone, Rebaseline, AuditFinding and EvidenceFile (DESIGN §2). Every row is audited."""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.audit import Audited, utcnow
from core.versioning import Versioned
from projects.models import Project
from projects.schedule.enums import (FINDING_STATUSES, MILESTONE_STATUSES, MILESTONE_TYPES,
                                     REBASELINE_STATUSES, SEVERITIES)


def _project_ref():
    return mapped_column(ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True)


class Milestone(Versioned, Audited, Model):
    """A dated step of a project. `baseline_date` is the approved plan (changed only by an
    approved re-baseline); `planned_date` is the current plan the ProjectManager keeps."""

    __tablename__ = "milestone"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = _project_ref()
    type: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    planned_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    baseline_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    actual_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(backref=backref(
        "milestones", order_by="(Milestone.planned_date, Milestone.id)",
        cascade="all, delete-orphan", passive_deletes=True))

    # open milestones by planned date (overdue, upcoming, the variance): two short ranges of
    # this index, where the planned date alone walked years of milestones long done
    __table_args__ = (Index("ix_milestone_status_planned", "status", "planned_date"),)

    def type_label(self):
        label = MILESTONE_TYPES.get(self.type, self.type)
        return f"{label} {self.sequence}" if self.type == "supervision_report" else label

    def status_label(self):
        return MILESTONE_STATUSES.get(self.status, self.status)

    def project_code(self):
        return self.project.code

    def audit_key(self):
        return f"{self.project.code}/{self.type}/{self.sequence}" if self.project else str(self.id)

    def __str__(self):
        return f"{self.project.code} {self.type_label()}"


class Rebaseline(Audited, Model):
    """A request to make the current planned dates the new baseline; the Office decides."""

    __tablename__ = "rebaseline"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = _project_ref()
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    proposed: Mapped[dict] = mapped_column(JSON, nullable=False)  # milestone id -> ISO date
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    requested_by: Mapped[str] = mapped_column(String(128), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship()

    def status_label(self):
        return REBASELINE_STATUSES.get(self.status, self.status)

    def __str__(self):
        return f"{self.project.code} #{self.id}"


class AuditFinding(Versioned, Audited, Model):
    """An auditor's finding (审计发现) on a project and its rectification (整改)."""

    __tablename__ = "audit_finding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = _project_ref()
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    rectification_owner: Mapped[str] = mapped_column(String(128), nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    rectification_note: Mapped[str | None] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(128), nullable=False)
    raised_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(backref=backref(
        "audit_findings", order_by="AuditFinding.id", cascade="all, delete-orphan",
        passive_deletes=True))

    def severity_label(self):
        return SEVERITIES.get(self.severity, self.severity)

    def status_label(self):
        return FINDING_STATUSES.get(self.status, self.status)

    def __str__(self):
        return f"{self.project.code} #{self.id}"


class EvidenceFile(Audited, Model):
    """A file kept outside the web root under a generated name; `name` is what the user sent."""

    __tablename__ = "evidence_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = _project_ref()
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestone.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_finding.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    milestone: Mapped[Milestone | None] = relationship(backref=backref(
        "evidence", order_by="EvidenceFile.id", cascade="all, delete-orphan",
        passive_deletes=True))
    finding: Mapped[AuditFinding | None] = relationship(backref=backref(
        "evidence", order_by="EvidenceFile.id", cascade="all, delete-orphan",
        passive_deletes=True))

    def __str__(self):
        return self.name
