"""SharingRequest (DESIGN §2): a department asks the owner of a catalogue data item to share
it with one of its projects; an approved request is the link "this project uses that item"."""
import datetime as dt

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.audit import Audited, utcnow
from plan.models import Department
from projects.guard.models import DataItem
from projects.models import Project

PENDING, APPROVED, DECLINED, WITHDRAWN = "pending", "approved", "declined", "withdrawn"
STATUSES = {PENDING: _l("Waiting for the owner"), APPROVED: _l("Approved"),
            DECLINED: _l("Declined"), WITHDRAWN: _l("Withdrawn")}


class SharingRequest(Audited, Model):
    __tablename__ = "sharing_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_item_id: Mapped[int] = mapped_column(ForeignKey("data_item.id", ondelete="CASCADE"),
                                              nullable=False, index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    requesting_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"),
                                                          nullable=False, index=True)
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"),
                                                     nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    fields: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING, index=True)
    requested_by: Mapped[str] = mapped_column(String(128), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    consumer_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_item.id", ondelete="SET NULL"))

    data_item: Mapped[DataItem] = relationship(foreign_keys=[data_item_id])
    consumer_item: Mapped[DataItem | None] = relationship(foreign_keys=[consumer_item_id])
    project: Mapped[Project] = relationship(backref=backref(
        "sharing_requests", cascade="all, delete-orphan", passive_deletes=True))
    requesting_department: Mapped[Department] = relationship(
        foreign_keys=[requesting_department_id])
    owner_department: Mapped[Department] = relationship(foreign_keys=[owner_department_id])

    def status_label(self):
        return STATUSES.get(self.status, self.status)

    def audit_key(self):
        return f"sharing/{self.id}"

    def __str__(self):
        return f"{self.data_item.name} → {self.project.code}" if self.data_item else str(self.id)
