"""The contract other modules log through, and its implementation.

Moderation (measures, statements of reasons), reviews, rules and the audit trail append their
records with ``RecordLog.append``; they never see trees, tiles or keys. Each record class gets
one log per calendar year (UTC) of logging, named ``<record class>/<year>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from zeren.errors import InvalidInput
from zeren.ledger.integrator import Integrator, PendingEntry, Receipt
from zeren.ledger.personal import SealedPersonal, canonical_json, seal
from zeren.ledger.verify import MAX_ENTRY_SIZE


class RecordLog(Protocol):
    """Append records to the tamper-evident ledger."""

    def append(
        self,
        *,
        record_class: str,
        record: dict[str, Any],
        subject: str | None = None,
        personal: Any = None,
        retain_until: datetime | None = None,
        retention_source: str = "",
        at: datetime | None = None,
    ) -> Receipt:
        """Log ``record`` (non-personal fields only); ``personal`` is sealed apart and only a
        salted commitment to it enters the log. Returns once the entry is committed and
        covered by a signed checkpoint."""
        ...


def log_name(record_class: str, at: datetime) -> str:
    return f"{record_class}/{at.astimezone(UTC).year}"


def build_entry(
    *, record_class: str, record: dict[str, Any], sealed: SealedPersonal | None
) -> bytes:
    """The bytes that go into the log: canonical JSON of the record and its commitment."""
    if "personal" in record or "class" in record:
        raise InvalidInput("record must not carry 'personal' or 'class' keys", field="record")
    body: dict[str, Any] = {"class": record_class, **record}
    if sealed is not None:
        body["personal"] = {"ref": sealed.id, "commitment": sealed.commitment}
    data = canonical_json(body)
    if len(data) > MAX_ENTRY_SIZE:
        raise InvalidInput("record is longer than 65535 bytes once encoded", field="record")
    return data


class LedgerRecordLog:
    """``RecordLog`` over an :class:`Integrator`: waits for the batch holding the record."""

    def __init__(self, integrator: Integrator, *, timeout_s: float = 30.0) -> None:
        self.integrator = integrator
        self.timeout_s = timeout_s

    def append(
        self,
        *,
        record_class: str,
        record: dict[str, Any],
        subject: str | None = None,
        personal: Any = None,
        retain_until: datetime | None = None,
        retention_source: str = "",
        at: datetime | None = None,
    ) -> Receipt:
        if at is not None and at.utcoffset() is None:
            raise InvalidInput("'at' has no time zone (naive datetime)", field="at")
        sealed = None
        if personal is not None:
            sealed = seal(record_class=record_class, data=personal, retain_until=retain_until,
                          retention_source=retention_source)
        data = build_entry(record_class=record_class, record=record, sealed=sealed)
        name = log_name(record_class, at or datetime.now(UTC))
        fut = self.integrator.submit(name, PendingEntry(data, subject=subject, personal=sealed))
        return fut.result(timeout=self.timeout_s)
