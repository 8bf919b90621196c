"""Plan, PlanTask and Department (DESIGN §2)."""
from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited


class Plan(Audited, Model):
    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[int] = mapped_column(Integer, nullable=False)
    period_end: Mapped[int] = mapped_column(Integer, nullable=False)
    issuer: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))

    def audit_key(self):
        return self.code

    def __str__(self):
        return self.title


class PlanTask(Audited, Model):
    """A node of the plan tree: section (P, T, G) -> task (T3) -> sub-task (T3.1)."""

    __tablename__ = "plan_task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_task.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)  # 0 section, 1 task, 2 sub-task
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    indicators: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship()
    parent: Mapped["PlanTask | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["PlanTask"]] = relationship(
        back_populates="parent", order_by="PlanTask.position")

    @property
    def is_assignable(self) -> bool:
        """Projects are registered against tasks and sub-tasks, not against whole sections."""
        return self.level >= 1

    def audit_key(self):
        return self.code

    def __str__(self):
        return f"{self.code} {self.title}"


class Department(Audited, Model):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(150))

    def audit_key(self):
        return self.code

    def label(self) -> str:
        """The name in the user's language (the English name in the English UI)."""
        if self.name_en and _english():
            return self.name_en
        return self.name

    @classmethod
    def label_column(cls):
        """label() as a column for select() lists (the English name where there is one)."""
        if _english():
            from sqlalchemy import func
            return func.coalesce(cls.name_en, cls.name)
        return cls.name

    def __str__(self):
        return self.label()


def _english() -> bool:
    from flask import has_request_context
    from flask_babel import get_locale
    return has_request_context() and str(get_locale() or "zh") == "en"
