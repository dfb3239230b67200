"""The process clock. Everything in Zeren that needs "now" asks ``zeren.clock.now()``
(through ``zeren.db.base.utcnow`` and ``zeren.timepolicy.now_utc``).

In production it is the system clock. A development or test deployment may name a **test
clock file** (``ZEREN_TEST_CLOCK_FILE``; refused when ``ZEREN_ENV`` is production): the file
holds an offset that is added to the system clock, and every process started with the same
settings — the server, the job runner, each CLI command — reads the same file, so a test can
move the time of the whole deployment (``zeren clock advance 15d``) and drive the 15-day IP
clock or the 48-hour reply window through the public interfaces. The file is re-read when it
changes (one ``stat`` per call while a test clock is in use; none otherwise)."""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zeren.errors import InvalidInput


@dataclass
class _FileClock:
    path: Path
    stamp: tuple[int, int] | None = None
    offset: timedelta = timedelta(0)

    def read(self) -> timedelta:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return timedelta(0)
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self.stamp:
            self.offset = read_offset(self.path)
            self.stamp = stamp
        return self.offset


_source: _FileClock | None = None
_lock = threading.Lock()


def use_test_clock(path: Path | None) -> None:
    """Read the time from the system clock plus the offset in ``path`` (None: the system
    clock alone). Called by the composition roots with the validated settings."""
    global _source
    with _lock:
        _source = _FileClock(Path(path)) if path is not None else None


def test_clock_in_use() -> Path | None:
    src = _source
    return src.path if src is not None else None


def now() -> datetime:
    """The current instant (aware, UTC), shifted by the test clock when one is in use."""
    real = datetime.now(UTC)
    src = _source
    return real if src is None else real + src.read()


def read_offset(path: Path) -> timedelta:
    """The offset a test clock file holds (``{"offset_seconds": …}``); a missing file is 0."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return timedelta(0)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"unreadable test clock file {path}: {exc}",
                           field="ZEREN_TEST_CLOCK_FILE") from None
    return timedelta(seconds=float(raw.get("offset_seconds", 0)))


def write_offset(path: Path, offset: timedelta) -> None:
    """Write the offset atomically (readers see the old or the new file, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"offset_seconds": offset.total_seconds()}), "utf-8")
    os.replace(tmp, path)


_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """``15d``, ``48h``, ``90m``, ``30s``, ``2w`` (a negative value goes back)."""
    m = _DURATION.match(text)
    if m is None:
        raise InvalidInput("a duration is a number and one of s, m, h, d, w (e.g. 15d, 48h)",
                           field=field)
    return timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})
