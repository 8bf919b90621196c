"""FundingSource, FundingLine, Disbursement, Expenditure and BudgetChange (DESIGN §2).

Money is Numeric(14,2) read as Decimal. Every row is Audited. The rules that keep these rows
consistent live in `budgets.services`; nothing else writes them.
"""
import datetime as dt
from decimal import Decimal

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited, utcnow
from core.versioning import Versioned
from projects.models import Project

CHANGE_STATUSES = {"pending": _l("Pending"), "approved": _l("Approved"),
                   "rejected": _l("Rejected")}


class FundingSource(Audited, Model):
    """Where money comes from: central, autonomous region, prefecture, municipal fiscal,
    social capital/PPP, department self-raised (seeded by `flask setup`, kept by the Office)."""

    __tablename__ = "funding_source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(100))
    social_capital: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def audit_key(self):
        return self.code

    def __str__(self):
        return self.name


class FundingLine(Versioned, Audited, Model):
    """One line of a project's funding plan (资金计划): source x budget year, planned amount."""

    __tablename__ = "funding_line"
    __table_args__ = (UniqueConstraint("project_id", "source_id", "year",
                                       name="uq_funding_line_project_source_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("funding_source.id"), nullable=False,
                                           index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    # Running totals of the line's disbursements and expenditures, kept by budgets.services in
    # the same transaction as each payment (row-locked), so that the cumulative rules and the
    # portfolio figures read one row per line instead of summing every payment.
    # `services.recompute_line_totals` rebuilds them from the payments.
    disbursed: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=0,
                                               server_default="0")
    spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False, default=0,
                                           server_default="0")

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)
    source: Mapped[FundingSource] = relationship(lazy="joined", innerjoin=True)

    audit_exclude = ("disbursed", "spent")  # derived; the payments themselves are audited

    def audit_key(self):
        return f"{self.project.code if self.project else self.project_id}/" \
               f"{self.source.code if self.source else self.source_id}/{self.year}"

    def __str__(self):
        return f"{self.project.code} {self.source.name} {self.year}"


class _Payment:
    """Columns shared by disbursements and expenditures: a dated amount against a line."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    voucher_no: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def audit_key(self):
        return f"{self.voucher_no or ''}#{self.id}"

    def __str__(self):
        return f"{self.date} {self.amount}"


class Disbursement(_Payment, Audited, Model):
    """Money released to the project (拨付) from a funding line."""

    __tablename__ = "disbursement"
    funding_line_id: Mapped[int] = mapped_column(
        ForeignKey("funding_line.id", ondelete="CASCADE"), nullable=False, index=True)
    funding_line: Mapped[FundingLine] = relationship(lazy="joined", innerjoin=True)


class Expenditure(_Payment, Audited, Model):
    """Money the project actually spent (支出) out of what was disbursed on a line."""

    __tablename__ = "expenditure"
    funding_line_id: Mapped[int] = mapped_column(
        ForeignKey("funding_line.id", ondelete="CASCADE"), nullable=False, index=True)
    funding_line: Mapped[FundingLine] = relationship(lazy="joined", innerjoin=True)


class BudgetChange(Audited, Model):
    """A change request (变更申请) to an approved project's budget or funding plan. Approved by
    the Office, it is a re-baseline: the project's budget and lines take the new values.

    `line_changes`: [{"source": code, "year": int, "amount": "decimal"}], each setting the
    planned amount of that line (creating it; "0" removes a line nothing was disbursed on).
    """

    __tablename__ = "budget_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    old_budget_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    new_budget_total: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    line_changes: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending",
                                        index=True)
    requested_by: Mapped[str] = mapped_column(String(128), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)

    def status_label(self):
        return CHANGE_STATUSES.get(self.status, self.status)

    def audit_key(self):
        return f"{self.project.code if self.project else self.project_id}#{self.id}"

    def __str__(self):
        return f"{self.project.code} #{self.id}"
