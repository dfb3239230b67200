"""Screening use cases (审核): compiled matchers per process, following new lexicon versions
without a restart and kept on disk between processes, and the screening of documents. Kept
apart from ``service.py`` (which re-exports them) so that ``zeren screen`` starts without the
rest of the lexicon's use cases and their imports (ADR 0203)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zeren.auth.installation import secret_path
from zeren.config import Settings
from zeren.errors import InvalidInput, NotFound
from zeren.lexicon import artefacts
from zeren.lexicon.domain import Action, Severity, default_rows, row_to_term
from zeren.lexicon.engine import Matcher, Screening
from zeren.lexicon.formats import Document, TermInput
from zeren.lexicon.models import Lexicon, LexiconTerm
from zeren.ops.metrics import observe_screening
from zeren.platforms.models import Platform

DEFAULT_LEXICON = "default"


@dataclass(frozen=True)
class CompiledFiles:
    """Where compiled matchers are kept between processes, and the key that signs them."""

    folder: Path
    secret: str

    @classmethod
    def of(cls, settings: Settings) -> CompiledFiles | None:
        """The installation's folder and key: ``ZEREN_SECRET_KEY``, else the key file ``zeren
        init`` wrote to the data folder. None (nothing kept on disk) when there is neither."""
        secret = settings.secret_key
        if not secret:
            try:
                secret = secret_path(settings).read_text(encoding="utf-8").strip()
            except OSError:
                return None
        return cls(settings.data_dir / "cache" / "lexicon", secret) if secret else None

    def load(self, lexicon_id: str, version: int, platform_id: str | None) -> Matcher | None:
        m = artefacts.load(self.folder, artefacts.file_name(lexicon_id, version, platform_id),
                           self.secret)
        if m is not None and m.version != version:
            return None
        return m

    def save(self, lexicon_id: str, platform_id: str | None, m: Matcher) -> None:
        assert m.version is not None
        artefacts.save(self.folder, artefacts.file_name(lexicon_id, m.version, platform_id),
                       self.secret, m)


def live(lexicon_id: str, version: int) -> Any:
    """The condition on LexiconTerm rows that were part of ``lexicon_id`` at ``version``."""
    return (
        (LexiconTerm.lexicon_id == lexicon_id)
        & (LexiconTerm.added_in <= version)
        & or_(LexiconTerm.removed_in.is_(None), LexiconTerm.removed_in > version)
    )


def as_input(t: LexiconTerm) -> TermInput:
    return TermInput(t.term, t.category, Severity(t.severity), Action(t.action), t.whitelist,
                     t.variants, t.note, t.source, t.platform_id)


def check_platforms(*, session: Session, ids: set[str | None]) -> None:
    for pid in ids:
        if pid is not None and session.get(Platform, pid) is None:
            raise InvalidInput(f"no platform with id {pid!r}", field="platform_id")


class MatcherCache:
    """Compiled matchers of this process, one per (lexicon, platform scope), newest version.

    Each screening asks the database for the lexicon's current version (one indexed read by
    name). A new version is compiled on a background thread while the previous matcher keeps
    serving, and swapped in when ready; work already running keeps the matcher object it
    started with, so it finishes on its version. Given :class:`CompiledFiles`, a version
    another process compiled is loaded from disk instead of built, and one built here is
    stored there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: dict[tuple[str, str | None], Matcher] = {}
        self._building: set[tuple[str, str | None, int]] = set()

    def clear(self) -> None:
        with self._lock:
            self._ready.clear()

    def get(self, *, session: Session, lexicon: Lexicon, platform_id: str | None,
            version: int | None = None, wait: bool = True,
            files: CompiledFiles | None = None) -> Matcher:
        v = lexicon.current_version if version is None else version
        key = (lexicon.id, platform_id)
        with self._lock:
            have = self._ready.get(key)
        if have is not None and have.version == v:
            return have
        if files is not None and (have is None or wait):  # else: loaded in the background
            m = files.load(lexicon.id, v, platform_id)
            if m is not None:
                if version is None or version == lexicon.current_version:
                    self._store(key, m)
                return m
        terms = _engine_terms(session=session, lexicon=lexicon, version=v,
                              platform_id=platform_id)
        if version is not None and version != lexicon.current_version:
            return Matcher(terms, version=v)  # an old version (a patrol run): not cached
        if have is not None and not wait and (have.version or 0) < v:
            self._build_later(key, terms, v, files)
            return have
        m = Matcher(terms, version=v)
        self._store(key, m)
        if files is not None:
            files.save(lexicon.id, platform_id, m)
        return m

    def _store(self, key: tuple[str, str | None], m: Matcher) -> None:
        with self._lock:
            old = self._ready.get(key)
            if old is None or (old.version or 0) <= (m.version or 0):
                self._ready[key] = m

    def _build_later(self, key: tuple[str, str | None], terms: list[Any], v: int,
                     files: CompiledFiles | None) -> None:
        tag = (key[0], key[1], v)
        with self._lock:
            if tag in self._building:
                return
            self._building.add(tag)

        def work() -> None:
            try:
                m = files.load(key[0], v, key[1]) if files is not None else None
                if m is None:
                    m = Matcher(terms, version=v)
                    if files is not None:
                        files.save(key[0], key[1], m)
                self._store(key, m)
            finally:
                with self._lock:
                    self._building.discard(tag)

        threading.Thread(target=work, name=f"lexicon-build-{v}", daemon=True).start()


CACHE = MatcherCache()
_DEFAULT_MATCHER: list[Matcher] = []
# The package's default lexicon, used while no stored lexicon is called "default", is kept on
# disk under this name (its content is fixed by the package's data, which the file name's
# fingerprint covers).
_PACKAGE_DEFAULT = "package-default"


def _engine_terms(*, session: Session, lexicon: Lexicon, version: int,
                  platform_id: str | None) -> list[Any]:
    rows = session.scalars(select(LexiconTerm).where(
        live(lexicon.id, version),
        or_(LexiconTerm.platform_id.is_(None), LexiconTerm.platform_id == platform_id)
        if platform_id else LexiconTerm.platform_id.is_(None),
    ))
    return [as_input(r).to_term(ref=r.id) for r in rows]


def _package_default(files: CompiledFiles | None) -> Matcher:
    if not _DEFAULT_MATCHER:
        m = files.load(_PACKAGE_DEFAULT, 0, None) if files is not None else None
        if m is None:
            m = Matcher([row_to_term(r) for r in default_rows()], version=0)
            if files is not None:
                files.save(_PACKAGE_DEFAULT, None, m)
        _DEFAULT_MATCHER.append(m)
    return _DEFAULT_MATCHER[0]


def matcher_for(*, session: Session, name: str, platform_id: str | None = None,
                wait: bool = True, files: CompiledFiles | None = None) -> Matcher:
    """The compiled matcher of lexicon ``name`` (group-wide terms, plus the platform's own
    when ``platform_id`` is given). ``default`` falls back to the package's default lexicon
    while no stored lexicon has that name. With ``files``, compiled matchers are shared with
    other processes through the disk."""
    lex = session.scalar(select(Lexicon).where(Lexicon.name == name))
    if lex is None:
        if name == DEFAULT_LEXICON:
            return _package_default(files)
        raise NotFound(f"no lexicon named {name!r}", details={"field": "lexicon", "name": name})
    return CACHE.get(session=session, lexicon=lex, platform_id=platform_id, wait=wait,
                     files=files)


def screen_documents(*, session: Session, name: str, documents: Sequence[Document],
                     platform_id: str | None = None, wait: bool = True, kind: str | None = None,
                     files: CompiledFiles | None = None) -> tuple[Matcher, list[Screening]]:
    """Screen ``documents`` with lexicon ``name``, each as its own content kind or else as
    ``kind`` (None: every category applies); the matcher used tells the version."""
    if platform_id is not None:
        check_platforms(session=session, ids={platform_id})
    m = matcher_for(session=session, name=name, platform_id=platform_id, wait=wait,
                    files=files)
    kinds = [d.kind or kind for d in documents]
    results = m.screen_many([d.text for d in documents],
                            kind if all(k == kind for k in kinds) else kinds)
    observe_screening(str(r.decision) for r in results)  # /metrics: throughput and decisions
    return m, results


def result_dict(doc_id: str, s: Screening) -> dict[str, Any]:
    """The JSON shape of one screened document, shared by the CLI and the API."""
    return {"id": doc_id, "decision": str(s.decision), "hits": [h.to_dict() for h in s.hits]}
