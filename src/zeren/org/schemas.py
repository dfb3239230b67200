"""API shapes for the organisation registry."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class DepartmentCreate(BaseModel):
    name: str
    kind: str
    mandate: str = ""
    established_on: date | None = None


class DepartmentRead(DepartmentCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    created_at: datetime


class PersonCreate(BaseModel):
    name: str
    title: str = ""
    department_id: str | None = None
    email: str = ""
    phone: str = ""


class PersonRead(PersonCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    created_at: datetime


class DutyCreate(BaseModel):
    person_id: str
    duty: str
    since: date


class DutyRead(DutyCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    until: date | None
