"""Media routes (ADR 0048): a platform uploads an item's image or video once and names it in
the subject as ``sha256:<hex>``; moderators see it from this address, never from outside.
Also the check every route that takes subjects in makes on their media."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, UploadFile
from fastapi.responses import Response

from zeren.config import Settings
from zeren.deps import SessionDep, settings_of
from zeren.moderation.api.common import P, Read, Write, pid
from zeren.moderation.schemas import MediaRead
from zeren.moderation.services import media

router = APIRouter()
SettingsDep = Annotated[Settings, Depends(settings_of)]
Digest = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The file's SHA-256.")]


def check_media(settings: Settings, platform_id: str, media_lists: Iterable[Sequence[str]],
                field: str) -> None:
    """Each subject's media within the count, each kept file on this platform."""
    media.check_subjects(data_dir=settings.data_dir, platform_id=platform_id,
                         media_lists=media_lists, max_items=settings.media_max_items,
                         field=field)


@router.post(P + "/media", response_model=MediaRead, status_code=201)
async def upload_media(platform_id: str, session: SessionDep, actor: Write,
                       settings: SettingsDep,
                       file: Annotated[UploadFile, File(description="A JPEG, PNG, GIF, WebP, "
                                                        "MP4 or WebM file.")]) -> MediaRead:
    """Keep an item's image or video by its SHA-256 (multipart ``file``); name it in a
    subject's ``media`` as the answer's ``ref``."""
    p = pid(session, platform_id)
    content = await file.read(settings.media_max_bytes + 1)
    m = media.store(actor=actor, platform_id=p, content=content, data_dir=settings.data_dir,
                    max_bytes=settings.media_max_bytes)
    return MediaRead(sha256=m.sha256, ref=m.ref, size=m.size, content_type=m.content_type,
                     url=media.url(p, m.sha256))


@router.get(P + "/media/{sha256}", response_class=Response,
            responses={200: {"content": {"image/*": {}, "video/*": {}},
                             "description": "The file, as kept."}})
def read_media(platform_id: str, sha256: Digest, session: SessionDep, actor: Read,
               settings: SettingsDep) -> Response:
    """A kept image or video, checked against its digest. Served under a policy that lets
    nothing in it run, and never sniffed as anything else."""
    content, m = media.read(actor=actor, platform_id=pid(session, platform_id), sha=sha256,
                            data_dir=settings.data_dir)
    return Response(content, media_type=m.content_type, headers={
        "X-Content-SHA256": m.sha256, "Cache-Control": "private, max-age=86400, immutable",
        "Content-Disposition": f'inline; filename="{m.sha256[:16]}"',
        "Content-Security-Policy": "default-src 'none'; sandbox"})
