"""Tables for departments, people and the duties (组织职责) they are assigned."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zeren.db.base import Base, CreatedMixin, IdMixin


class Department(IdMixin, CreatedMixin, Base):
    __tablename__ = "departments"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(
        String(40), nullable=False, comment="Department kind code from org.yaml (e.g. compliance)."
    )
    mandate: Mapped[str] = mapped_column(Text, nullable=False, default="")
    established_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Person(IdMixin, CreatedMixin, Base):
    __tablename__ = "people"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    email: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(50), nullable=False, default="")


class Duty(IdMixin, CreatedMixin, Base):
    """A duty held by a person, e.g. 数据安全责任人 data_security_officer, from org.yaml."""

    __tablename__ = "duties"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), nullable=False, index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), nullable=False)
    duty: Mapped[str] = mapped_column(String(60), nullable=False)
    since: Mapped[date] = mapped_column(Date, nullable=False)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
