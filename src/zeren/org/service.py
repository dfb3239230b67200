"""Use cases for the organisation registry: departments, people and their duties."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.errors import InvalidInput, NotFound
from zeren.org.domain import vocabulary
from zeren.org.models import Department, Duty, Person
from zeren.pagination import PageParams, fetch_page
from zeren.platforms.models import Platform

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


def add_department(*, session: Session, actor: Actor, platform: Platform, name: str, kind: str,
                   mandate: str = "", established_on: date | None = None) -> Department:
    actor.require("org.write", platform.id)
    if not name.strip():
        raise InvalidInput("name is required", field="name")
    kinds = vocabulary()["department_kinds"]
    if kind not in kinds:
        raise InvalidInput(f"kind must be one of {', '.join(kinds)}", field="kind")
    d = Department(platform_id=platform.id, name=name.strip(), kind=kind, mandate=mandate,
                   established_on=established_on)
    session.add(d)
    session.flush()
    record(session=session, actor=actor, action="org.department.create", target_type="department",
           target_id=d.id, platform_id=platform.id, after=row_dict(d), summary={"name": d.name})
    return d


def add_person(*, session: Session, actor: Actor, platform: Platform, data: dict[str, Any]
               ) -> Person:
    actor.require("org.write", platform.id)
    name = str(data.get("name", "")).strip()
    if not name:
        raise InvalidInput("name is required", field="name")
    email, phone = str(data.get("email", "")).strip(), str(data.get("phone", "")).strip()
    if email and not EMAIL_RE.match(email):
        raise InvalidInput("email is not a valid address", field="email")
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput("phone must be digits, spaces or '-', 6–20 long", field="phone")
    dept_id = data.get("department_id")
    if dept_id:
        dept = session.get(Department, dept_id)
        if dept is None or dept.platform_id != platform.id:
            raise InvalidInput("unknown department for this platform", field="department_id")
    p = Person(platform_id=platform.id, name=name, title=str(data.get("title", "")),
               department_id=dept_id or None, email=email, phone=phone)
    session.add(p)
    session.flush()
    record(session=session, actor=actor, action="org.person.create", target_type="person",
           target_id=p.id, platform_id=platform.id, after=row_dict(p), summary={"name": name})
    return p


def assign_duty(*, session: Session, actor: Actor, platform: Platform, person_id: str, duty: str,
                since: date) -> Duty:
    actor.require("org.write", platform.id)
    duties = vocabulary()["duties"]
    if duty not in duties:
        raise InvalidInput(f"duty must be one of {', '.join(duties)}", field="duty")
    person = session.get(Person, person_id)
    if person is None or person.platform_id != platform.id:
        raise NotFound("no such person on this platform", details={"field": "person_id"})
    d = Duty(platform_id=platform.id, person_id=person_id, duty=duty, since=since)
    session.add(d)
    session.flush()
    record(session=session, actor=actor, action="org.duty.assign", target_type="duty",
           target_id=d.id, platform_id=platform.id, after=row_dict(d),
           summary={"duty": duty, "person": person.name})
    return d


def _departments(platform_id: str) -> Select[Any]:
    return select(Department).where(Department.platform_id == platform_id).order_by(
        Department.name, Department.id)


def _people(platform_id: str) -> Select[Any]:
    return select(Person).where(Person.platform_id == platform_id).order_by(Person.name,
                                                                            Person.id)


def departments(*, session: Session, platform_id: str) -> list[Department]:
    return list(session.scalars(_departments(platform_id)))


def departments_page(*, session: Session, platform_id: str, page: PageParams
                     ) -> tuple[list[Department], int]:
    return fetch_page(session, _departments(platform_id), page)


def people(*, session: Session, platform_id: str) -> list[Person]:
    return list(session.scalars(_people(platform_id)))


def people_page(*, session: Session, platform_id: str, page: PageParams
                ) -> tuple[list[Person], int]:
    return fetch_page(session, _people(platform_id), page)


def duties(*, session: Session, platform_id: str) -> list[Duty]:
    return list(session.scalars(select(Duty).where(Duty.platform_id == platform_id)
                                .order_by(Duty.duty, Duty.since)))


def holders(*, session: Session, platform_id: str, duty: str, on: date) -> list[Person]:
    """People who hold ``duty`` on ``on``."""
    q = (select(Person).join(Duty, Duty.person_id == Person.id)
         .where(Duty.platform_id == platform_id, Duty.duty == duty, Duty.since <= on)
         .where((Duty.until.is_(None)) | (Duty.until >= on)))
    return list(session.scalars(q))
