"""Moderation's HTTP routes, one router per seam. Routes are thin: parse, call one service
(which checks the permission on the record's own platform and writes the audit event),
choose the response. Writes that produce ledger records or webhook messages schedule
``delivery.after_commit`` as a background task, which runs once the request's unit of work
has committed."""

from __future__ import annotations

from fastapi import APIRouter

from zeren.moderation.api import (
    appeals,
    authority,
    cases,
    clocks,
    complaints,
    decisions,
    delivery,
    intake,
    ip,
    media,
    statements,
    subjects,
)

router = APIRouter(tags=["moderation"])
for _seam in (intake, media, subjects, cases, decisions, statements, delivery, clocks, appeals, ip,
              complaints, authority):
    router.include_router(_seam.router)
