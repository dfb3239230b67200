"""API shapes for the organisation registry."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from zeren.timepolicy import Day


class DepartmentCreate(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    mandate: str = Field(default="", max_length=4000)
    established_on: Day | None = None


class DepartmentRead(DepartmentCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    created_at: datetime


class PersonCreate(BaseModel):
    name: str = Field(max_length=100)
    title: str = Field(default="", max_length=200)
    department_id: str | None = Field(default=None, max_length=36)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)


class PersonRead(PersonCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    created_at: datetime


class DutyCreate(BaseModel):
    person_id: str = Field(max_length=36)
    duty: str = Field(max_length=60)
    since: Day


class DutyRead(DutyCreate):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    until: date | None
