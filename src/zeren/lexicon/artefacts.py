"""Compiled matchers kept on disk (编译缓存), so that a new process — a ``zeren screen`` in a
pipeline, a freshly started API worker — loads a lexicon version's matcher instead of building
it, and does not load pypinyin or rebuild the dictionary tables either (ADR 0203).

A file holds one matcher, pickled, under a name derived from what fixes its content: the
lexicon, its version (a version's terms never change), the platform scope, and a fingerprint
of everything else the build reads — the engine's code, the package's data files, and the
versions of the libraries that compile (numpy, daachorse, pypinyin, OpenCC's tables). Change
any of them and the name changes; old files are never read again and the oldest are removed.

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


def load(folder: Path, name: str, secret: str) -> Matcher | None:
    """The matcher stored as ``name`` in ``folder``, or None when there is none or it does
    not verify."""
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
        m = pickle.loads(body)
    except Exception:  # a file from an incompatible build: rebuilt by the caller
        return None
    return m if isinstance(m, Matcher) else None


def save(folder: Path, name: str, secret: str, matcher: Matcher) -> bool:
    """Store ``matcher`` as ``name`` (written whole or not at all); False when the folder
    cannot be written (screening goes on without the file)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = pickle.dumps(matcher, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".matcher")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                f.write(_mac(secret, body))
                f.write(body)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return False
    return True


def _prune(folder: Path) -> None:
    files = []
    for p in folder.glob("*.matcher"):
        try:
            files.append((p.stat().st_mtime, p))
        except OSError:  # removed by another process meanwhile
            continue
    files.sort(reverse=True)
    for _, p in files[_KEEP:]:
        p.unlink(missing_ok=True)
