"""Compiled matchers kept on disk (编译缓存), so that a new process — a ``zeren screen`` in a
pipeline, a freshly started API worker — loads a lexicon version's matcher instead of building
it, and does not load pypinyin or rebuild the word check's dictionary tables either (ADR 0203).

A matcher file holds one matcher, pickled, under a name derived from what fixes its content:
the lexicon, its version (a version's terms never change), the platform scope, and a
fingerprint of everything else the build reads — the engine's code, the package's data files,
and the versions of the libraries that compile (numpy, daachorse, pypinyin, OpenCC's tables).
Change any of them and the name changes; old files are never read again and the oldest are
removed. The word check's dictionary tables (about 20 MB, the same for every lexicon) are
kept once, in a file named by the fingerprint alone.

Unpickling runs code, so a file is only read when its HMAC-SHA256, keyed with the
installation's secret, is right: a file that someone without the key put there or changed
is ignored (and replaced by a fresh build). The folder is created readable by its owner only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from zeren.lexicon import words
from zeren.lexicon.engine import Matcher

_MAGIC = b"zeren-matcher-1\n"
_KEEP = 32  # files kept in the folder; the least recently written beyond that are removed
# The modules and the libraries whose behaviour a compiled matcher holds.
_MODULES = ("domain.py", "engine.py", "normalize.py", "variants.py", "words.py")
_LIBRARIES = ("numpy", "daachorse", "pypinyin", "opencc-python-reimplemented")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of the engine's code, the lexicon package's data files and the versions of
    the libraries the build uses (read once per process: about 1.3 MB hashed)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(_MAGIC)
    h.update(f"{sys.version_info[:2]} pickle {pickle.HIGHEST_PROTOCOL}\n".encode())
    files = [here / m for m in _MODULES] + sorted(p for p in (here / "data").rglob("*")
                                                  if p.is_file())
    for p in files:
        h.update(p.relative_to(here).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    for lib in _LIBRARIES:
        try:
            v = metadata.version(lib)
        except metadata.PackageNotFoundError:
            v = "-"
        h.update(f"{lib}={v}\n".encode())
    return h.hexdigest()


def file_name(lexicon_id: str, version: int, platform_id: str | None) -> str:
    """The file of one lexicon version's matcher (group-wide or with a platform's terms)."""
    key = f"{lexicon_id}\0{version}\0{platform_id or ''}\0{fingerprint()}"
    return hashlib.sha256(key.encode()).hexdigest()[:40] + ".matcher"


def _mac(secret: str, body: bytes | memoryview) -> bytes:
    key = hashlib.sha256(b"zeren lexicon matcher file\0" + secret.encode()).digest()
    return hmac.new(key, body, hashlib.sha256).digest()


def _read(folder: Path, name: str, secret: str) -> Any:
    """The object stored as ``name``, or None when there is none or it does not verify."""
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or len(data) < head + 32:
        return None
    mac, body = data[head : head + 32], memoryview(data)[head + 32 :]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    try:
        return pickle.loads(body)
    except Exception:  # a file from an incompatible build: rebuilt by the caller
        return None


def _write(folder: Path, name: str, secret: str, obj: Any) -> bool:
    """Store ``obj`` as ``name`` (written whole or not at all); False when the folder cannot
    be written (screening goes on without the file)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                f.write(_mac(secret, body))
                f.write(body)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def _words_name() -> str:
    return f"words-{fingerprint()[:40]}.tables"


def load(folder: Path, name: str, secret: str) -> Matcher | None:
    """The matcher stored as ``name`` in ``folder``, or None when there is none or it does
    not verify. The word check's tables are taken from their own file when this process has
    not built them (otherwise they are built on first use, as without a file)."""
    m = _read(folder, name, secret)
    if not isinstance(m, Matcher):
        return None
    if not words.has_compiled():
        state = _read(folder, _words_name(), secret)
        if isinstance(state, dict):
            words.adopt(state)
    return m


def save(folder: Path, name: str, secret: str, matcher: Matcher) -> bool:
    """Store ``matcher`` as ``name``, and the word check's tables once per fingerprint; False
    when the folder cannot be written."""
    if not _write(folder, name, secret, matcher):
        return False
    if not (folder / _words_name()).exists():
        _write(folder, _words_name(), secret, words.compiled())
    _prune(folder)
    return True


def _prune(folder: Path) -> None:
    for pattern in ("*.matcher", "words-*.tables"):
        files = []
        for p in folder.glob(pattern):
            try:
                files.append((p.stat().st_mtime, p))
            except OSError:  # removed by another process meanwhile
                continue
        files.sort(reverse=True)
        for _, p in files[_KEEP if pattern == "*.matcher" else 2 :]:
            p.unlink(missing_ok=True)
