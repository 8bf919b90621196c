"""Project and Review (DESIGN §2)."""
import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric,
                        String, Table, Text, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited, utcnow
from core.versioning import Versioned
from plan.models import Department, PlanTask
from projects.enums import CATEGORIES, DECISIONS, REVIEW_STAGES, STATUSES

project_plan_task = Table(
    "project_plan_task",
    Model.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_task_id", ForeignKey("plan_task.id"), primary_key=True, index=True),
)

project_reuse = Table(
    "project_reuse",
    Model.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("reused_project_id", ForeignKey("project.id"), primary_key=True, index=True),
)


class Project(Versioned, Audited, Model):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False,
                                               index=True)
    primary_task_id: Mapped[int] = mapped_column(ForeignKey("plan_task.id"), nullable=False,
                                                 index=True)
    category: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    description: Mapped[str | None] = mapped_column(Text)
    capabilities: Mapped[str | None] = mapped_column(Text)  # tags joined by "、"
    budget_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    contractor: Mapped[str | None] = mapped_column(String(200))
    supervisor: Mapped[str | None] = mapped_column(String(200))
    protection_level: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft", index=True)
    listed_in_plan: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 不予公开: kept off the public pages (classified networks, detention facilities ...),
    # set by the Office with a reason.
    withheld: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                           server_default=false())
    withheld_reason: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the review queue walks waiting projects oldest first
    __table_args__ = (Index("ix_project_status_submitted", "status", "submitted_at"),)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow,
                                                    onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    primary_task: Mapped[PlanTask] = relationship(lazy="joined", innerjoin=True)
    plan_tasks: Mapped[list[PlanTask]] = relationship(secondary=project_plan_task,
                                                      order_by=PlanTask.code)
    reuses: Mapped[list["Project"]] = relationship(
        secondary=project_reuse,
        primaryjoin=id == project_reuse.c.project_id,
        secondaryjoin=id == project_reuse.c.reused_project_id)
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Review.decided_at")

    audit_exclude = ("updated_at",)

    @property
    def capability_list(self) -> list[str]:
        return split_tags(self.capabilities)

    def status_label(self):
        return STATUSES.get(self.status, self.status)

    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    def department_name(self):
        return self.department.label() if self.department else ""

    def audit_key(self):
        return self.code

    def __str__(self):
        return f"{self.code} {self.name}"


class Review(Audited, Model):
    """A review decision on a project at one stage, with what the reviewer saw and wrote."""

    __tablename__ = "review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(20), nullable=False, default="proposal")
    decision: Mapped[str] = mapped_column(String(10), nullable=False)
    reviewer: Mapped[str] = mapped_column(String(128), nullable=False)
    comments: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    duplicate_check: Mapped[dict | None] = mapped_column(JSON)  # frozen result + justifications
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="reviews")

    def stage_label(self):
        return REVIEW_STAGES.get(self.stage, self.stage)

    def decision_label(self):
        return DECISIONS.get(self.decision, self.decision)

    def __str__(self):
        return f"{self.project.code} {self.stage} {self.decision}"


def split_tags(text: str | None) -> list[str]:
    """Capability tags are stored joined by '、'; imports may also use ',' or '，'."""
    if not text:
        return []
    for sep in (",", "，", ";", "；"):
        text = text.replace(sep, "、")
    return [t.strip() for t in text.split("、") if t.strip()]
