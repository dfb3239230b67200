"""Outside registers a verification consults, behind one interface: the national enterprise
credit register (国家企业信用信息公示系统) for a USCC's entry, a licence register for a
licence. Zeren ships ``SnapshotProvider``, which reads a register snapshot file (JSON Lines),
used by the demo and the tests; a platform plugs in its real register by passing its own
``RegistryProvider`` to ``verification.verify_merchant``.

A snapshot file holds one JSON object a line:
``{"type": "enterprise", "uscc": …, "name": …, "status": "存续", "representative": …}`` or
``{"type": "licence", "kind": "food_business", "number": …, "holder_uscc": …,
"valid_until": "2029-12-31" | null, "status": "有效"}``; a line starting ``#`` is a comment."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from zeren.errors import InvalidInput
from zeren.merchants import domain as d


class RegistryProvider(Protocol):
    """An outside register Zeren can ask about a merchant."""

    name: str

    def enterprise(self, uscc: str) -> d.RegisterEntry | None:
        """The register's entry for ``uscc``, or None when it has none."""
        ...

    def licence(self, kind: str, number: str) -> d.LicenceEntry | None:
        """The licence register's entry, or None when it has none."""
        ...

    def evidence(self) -> dict[str, Any]:
        """What identifies the register as consulted (name, file digest, as-of date)."""
        ...


@dataclass
class SnapshotProvider:
    """A register read from a snapshot file (see the module docstring)."""

    path: Path
    name: str = "snapshot"
    sha256: str = ""
    enterprises: dict[str, d.RegisterEntry] = field(default_factory=dict)
    licences: dict[tuple[str, str], d.LicenceEntry] = field(default_factory=dict)

    def enterprise(self, uscc: str) -> d.RegisterEntry | None:
        return self.enterprises.get(uscc)

    def licence(self, kind: str, number: str) -> d.LicenceEntry | None:
        return self.licences.get((kind, number))

    def evidence(self) -> dict[str, Any]:
        return {"provider": self.name, "file": self.path.name, "sha256": self.sha256}


def load_snapshot(path: Path) -> SnapshotProvider:
    """Read a snapshot file; a bad line is refused naming the line and field."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"the register snapshot cannot be read: {exc}",
                           field="merchant_registry_snapshot") from None
    return _parse(path, raw)


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int, size: int) -> SnapshotProvider:
    return load_snapshot(Path(path))


def snapshot_provider(path: Path) -> SnapshotProvider:
    """The snapshot at ``path``, read once while the file is unchanged."""
    st = path.stat() if path.exists() else None
    if st is None:
        raise InvalidInput(f"no register snapshot at {path}", field="merchant_registry_snapshot")
    return _cached(str(path), st.st_mtime_ns, st.st_size)


def _parse(path: Path, raw: bytes) -> SnapshotProvider:
    p = SnapshotProvider(path=path, sha256=hashlib.sha256(raw).hexdigest())
    for n, line in enumerate(raw.decode("utf-8-sig").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            obj = json.loads(text)
            if obj["type"] == "enterprise":
                e = d.RegisterEntry(uscc=str(obj["uscc"]).upper(), name=str(obj["name"]),
                                    status=str(obj["status"]),
                                    representative=str(obj.get("representative") or ""))
                p.enterprises[e.uscc] = e
            elif obj["type"] == "licence":
                until = obj.get("valid_until")
                lc = d.LicenceEntry(kind=str(obj["kind"]), number=str(obj["number"]),
                                    holder_uscc=str(obj.get("holder_uscc") or "").upper(),
                                    valid_until=date.fromisoformat(until) if until else None,
                                    status=str(obj.get("status") or "有效"))
                p.licences[(lc.kind, lc.number)] = lc
            else:
                raise KeyError("type")
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"register snapshot line {n}: {exc!s} is missing or wrong",
                               details={"field": "merchant_registry_snapshot", "line": n}
                               ) from None
    return p
