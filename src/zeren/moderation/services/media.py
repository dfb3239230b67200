"""Media of the items a platform submits, kept by Zeren by their SHA-256 (ADR 0048): uploaded
once, named in a subject as ``sha256:<hex>``, shown in the console from Zeren's own address.
A moderator's browser never fetches anything from outside, and the bytes judged are the bytes
kept: the digest is the file's name, checked again on every read, and it is what the
subject, the statement of reasons and the ledger cite.

Only formats a browser shows without running anything are kept (JPEG, PNG, GIF, WebP, MP4,
WebM), recognised by their first bytes, never by what the uploader says they are; each file
is at most ``media_max_bytes`` and a subject names at most ``media_max_items``. Files live
under ``<data_dir>/media/<platform id>/``, so one platform's moderators cannot read another's
by guessing a digest, and the backup of the data folder carries them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from zeren.auth.policy import Actor
from zeren.errors import Conflict, InvalidInput, NotFound, TooLarge

REF_PREFIX = "sha256:"
REF = re.compile(r"^sha256:([0-9a-f]{64})$")
SHA = re.compile(r"^[0-9a-f]{64}$")


def sniff(content: bytes) -> str | None:
    """The content type from the file's first bytes, or None for anything not kept."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:8] == b"ftyp":
        return "video/mp4"
    if content[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    return None


@dataclass(frozen=True)
class StoredMedia:
    platform_id: str
    sha256: str
    size: int
    content_type: str

    @property
    def ref(self) -> str:
        """How a subject names it."""
        return REF_PREFIX + self.sha256


def media_path(data_dir: Path, platform_id: str, sha: str) -> Path:
    if not SHA.match(sha):
        raise ValueError("not a SHA-256 digest")
    return Path(data_dir) / "media" / platform_id / sha[:2] / sha


def store(*, actor: Actor, platform_id: str, content: bytes, data_dir: Path, max_bytes: int
          ) -> StoredMedia:
    """Keep an uploaded image or video of the platform by its SHA-256 (moderation.write).
    Keeping the same bytes twice keeps one file."""
    actor.require("moderation.write", platform_id)
    if len(content) > max_bytes:
        raise TooLarge(f"a media file may be at most {max_bytes} bytes",
                       details={"field": "file", "max_bytes": max_bytes})
    kind = sniff(content)
    if kind is None:
        raise InvalidInput("not an image or video Zeren keeps (JPEG, PNG, GIF, WebP, MP4, "
                           "WebM)", field="file")
    sha = hashlib.sha256(content).hexdigest()
    path = media_path(data_dir, platform_id, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    return StoredMedia(platform_id, sha, len(content), kind)


def read(*, actor: Actor, platform_id: str, sha: str, data_dir: Path
         ) -> tuple[bytes, StoredMedia]:
    """A kept file of the platform and what it is (moderation.read). A file whose bytes no
    longer hash to its name is refused (409 ``media_altered``), never shown."""
    actor.require("moderation.read", platform_id)
    if not SHA.match(sha):
        raise NotFound(f"no media {sha!r}", details={"field": "sha256"})
    path = media_path(data_dir, platform_id, sha)
    if not path.is_file():
        raise NotFound(f"no media {sha} on this platform", details={"field": "sha256"})
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != sha:
        raise Conflict(f"the media file {sha} was altered after it was kept",
                       code="media_altered", details={"field": "sha256"})
    kind = sniff(content)
    if kind is None:  # pragma: no cover - only kept after sniffing
        raise Conflict(f"the media file {sha} is not an image or video", code="media_altered")
    return content, StoredMedia(platform_id, sha, len(content), kind)


def check_items(*, data_dir: Path, platform_id: str, media: Sequence[str], max_items: int,
                field: str = "media") -> None:
    """A subject's media: at most ``max_items``, each ``sha256:`` reference kept for this
    platform (422 naming the item otherwise)."""
    if len(media) > max_items:
        raise InvalidInput(f"at most {max_items} media items", field=field)
    for i, item in enumerate(media):
        m = REF.match(item)
        if m and not media_path(data_dir, platform_id, m.group(1)).is_file():
            raise InvalidInput(f"no media kept as {item} on this platform: upload it first "
                               "(POST …/moderation/media)", field=f"{field}.{i}")


def check_subjects(*, data_dir: Path, platform_id: str, media_lists: Iterable[Sequence[str]],
                   max_items: int, field: str) -> None:
    """``check_items`` for several subjects; ``field`` holds ``{i}`` for the subject's place."""
    for i, media in enumerate(media_lists):
        check_items(data_dir=data_dir, platform_id=platform_id, media=media,
                    max_items=max_items, field=field.format(i=i))


def kept(item: str) -> str | None:
    """The digest of a ``sha256:`` reference, or None for an outside link."""
    m = REF.match(item)
    return m.group(1) if m else None


def url(platform_id: str, sha: str) -> str:
    """Where Zeren serves a kept file (the API route; a console session may read it)."""
    return f"/api/v1/platforms/{platform_id}/moderation/media/{sha}"


@dataclass(frozen=True)
class MediaView:
    """One media item as a page shows it: a kept file from Zeren's address (with its kind),
    or an outside link the page only links."""

    item: str
    kept: bool
    href: str
    content_type: str | None


def views(*, data_dir: Path, platform_id: str, media: Sequence[str]) -> list[MediaView]:
    out = []
    for item in media:
        sha = kept(item)
        if sha is None:
            out.append(MediaView(item, False, item, None))
            continue
        path = media_path(data_dir, platform_id, sha)
        kind = None
        if path.is_file():
            with path.open("rb") as fh:
                kind = sniff(fh.read(16))
        out.append(MediaView(item, True, url(platform_id, sha), kind))
    return out
