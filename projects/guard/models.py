"""Information resources (DataItem), stored duplicate checks, and the portfolio version."""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, String, Text)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.audit import Audited, utcnow
from plan.models import Department
from projects.models import Project

DIRECTIONS = ("produces", "consumes")


class DataItem(Audited, Model):
    """An entry of the information resource catalogue (信息资源目录): data a project produces or
    consumes, the department that owns it, and whether it is shared with other departments."""

    __tablename__ = "data_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="produces")
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    description: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(backref="data_items")
    owner_department: Mapped[Department | None] = relationship()

    def __str__(self):
        return self.name


class DuplicateCheck(Model):
    """A guard result as it was when taken: at submission, on demand, or at a decision."""

    __tablename__ = "duplicate_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)  # submission, on_demand
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    checked_by: Mapped[str] = mapped_column(String(128), nullable=False)
    threshold: Mapped[float] = mapped_column(Float, nullable=False)
    top_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    result: Mapped[dict] = mapped_column(JSON, nullable=False)

    project: Mapped[Project] = relationship()


class GuardVersion(Model):
    """One row: bumped in the same transaction as any change the guard's index depends on, so
    every worker sees when to refresh its in-memory index."""

    __tablename__ = "guard_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ProjectVector(Model):
    """What the guard read from a project's texts, stored with the project so that a new worker
    loads it instead of re-reading 20,000 texts: the three sentence vectors (float16), the
    analysed text, and the hash of the texts they were computed from."""

    __tablename__ = "project_vector"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(40), nullable=False)
    model: Mapped[str] = mapped_column(String(64), nullable=False)
    vectors: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    analysis: Mapped[dict] = mapped_column(JSON, nullable=False)

    project: Mapped[Project] = relationship(backref=backref(
        "guard_vector", uselist=False, cascade="all, delete-orphan", passive_deletes=True))


class DuplicateScan(Model):
    """One run of the portfolio scan (a background job): when, at which threshold, how many
    suspected pairs. The suspected-pairs page reads the newest finished scan."""

    __tablename__ = "duplicate_scan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_by: Mapped[str] = mapped_column(String(128), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    threshold: Mapped[float | None] = mapped_column(Float)
    projects: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pairs: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    guard_version: Mapped[int | None] = mapped_column(Integer)  # the index the scan read


class DuplicatePair(Model):
    """A suspected pair of a scan, each pair once (a before b in the scan's order)."""

    __tablename__ = "duplicate_pair"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("duplicate_scan.id", ondelete="CASCADE"),
                                         nullable=False)
    a_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                      nullable=False, index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                      nullable=False, index=True)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    reasons: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    a: Mapped[Project] = relationship(foreign_keys=[a_id])
    b: Mapped[Project] = relationship(foreign_keys=[b_id])

    __table_args__ = (Index("ix_duplicate_pair_scan_score", "scan_id", "score"),)
