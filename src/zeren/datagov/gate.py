"""The merge gate's in-memory index: a platform's registered services and the consents of
recently asked-about persons, kept consistent with the database by one cheap read per call.

Every consent write (and every service registration) raises the platform's counter in
``datagov_consent_state`` in its own transaction; on PostgreSQL the row lock of that UPDATE
holds until commit, on SQLite the database's write lock does, so counter values commit in
order. A call reads the counter; if it moved, the persons named by the events in between
are dropped from the index (and the services reloaded), and read again on their next use.
So a withdrawal that has committed is seen by every later call in every process — the
withdrawal is honoured from that moment — while a steady stream of decisions about the
same persons reads one row per call instead of their consents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeren.datagov.domain import ConsentFact
from zeren.datagov.models import Consent, ConsentEvent, ConsentState, Service

# A counter that jumped further than this since the index last looked: start afresh rather
# than read every event in between.
RESET_AFTER = 50_000


@dataclass
class _Platform:
    version: int = -1
    services: frozenset[str] = frozenset()
    persons: OrderedDict[str, tuple[ConsentFact, ...]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ConsentIndex:
    """Consents by person pseudonym, per platform, bounded by ``max_persons`` (least
    recently used persons leave first)."""

    def __init__(self, max_persons: int = 500_000) -> None:
        self.max_persons = max_persons
        self._platforms: dict[str, _Platform] = {}
        self._lock = threading.Lock()

    def _platform(self, platform_id: str) -> _Platform:
        p = self._platforms.get(platform_id)
        if p is None:
            with self._lock:
                p = self._platforms.setdefault(platform_id, _Platform())
        return p

    def services(self, session: Session, platform_id: str) -> frozenset[str]:
        p = self._platform(platform_id)
        self._catch_up(session, platform_id, p)
        return p.services

    def _catch_up(self, session: Session, platform_id: str, p: _Platform) -> int:
        version = int(session.scalar(select(ConsentState.version)
                                     .where(ConsentState.platform_id == platform_id)) or 0)
        if version == p.version:
            return version
        with p.lock:
            if version == p.version:
                return version
            if p.version < 0 or version < p.version or version - p.version > RESET_AFTER:
                p.persons.clear()
            else:
                e = ConsentEvent
                for key in session.scalars(select(e.person_key).where(
                        e.platform_id == platform_id, e.version > p.version,
                        e.version <= version)):
                    p.persons.pop(key, None)
            p.services = frozenset(session.scalars(select(Service.code)
                                                   .where(Service.platform_id == platform_id)))
            p.version = version
        return version

    def facts(self, session: Session, platform_id: str, keys: Iterable[str]
              ) -> dict[str, tuple[ConsentFact, ...]]:
        """The consents of each person in ``keys`` as the database has them now."""
        return self.snapshot(session, platform_id, keys)[1]

    def snapshot(self, session: Session, platform_id: str, keys: Iterable[str]
                 ) -> tuple[frozenset[str], dict[str, tuple[ConsentFact, ...]]]:
        """The registered services and each person's consents, after one counter read."""
        p = self._platform(platform_id)
        version = self._catch_up(session, platform_id, p)
        services = p.services
        wanted = list(dict.fromkeys(keys))
        out: dict[str, tuple[ConsentFact, ...]] = {}
        missing: list[str] = []
        with p.lock:
            for k in wanted:
                got = p.persons.get(k)
                if got is None:
                    missing.append(k)
                else:
                    p.persons.move_to_end(k)
                    out[k] = got
        if not missing:
            return services, out
        if missing:
            loaded: dict[str, list[ConsentFact]] = {k: [] for k in missing}
            c = Consent
            for i in range(0, len(missing), 500):
                for row in session.execute(select(
                        c.id, c.person_key, c.service, c.purpose, c.scope, c.given_at,
                        c.withdrawn_at).where(c.platform_id == platform_id,
                                              c.person_key.in_(missing[i:i + 500]))):
                    loaded[row.person_key].append(ConsentFact(
                        row.id, row.service, row.purpose, frozenset(row.scope), row.given_at,
                        row.withdrawn_at))
            with p.lock:
                # Cache only what was read at the counter we checked: a newer write has
                # already dropped these persons or will on the next call.
                cache = p.version == version
                for k, facts in loaded.items():
                    t = tuple(facts)
                    out[k] = t
                    if cache:
                        p.persons[k] = t
                while len(p.persons) > self.max_persons:
                    p.persons.popitem(last=False)
        return services, out


@lru_cache(maxsize=16)
def index_for(engine: Engine) -> ConsentIndex:
    """The index of this process for ``engine``."""
    return ConsentIndex()
