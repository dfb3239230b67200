"""Media kept by Zeren (ADR 0048): uploaded once, named by SHA-256, served from Zeren's own
address with the digest checked on every read, shown in the case page from there; bounded in
size and count; one platform's files out of another's reach."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.moderation.test_api import API, report_body
from tests.moderation.test_console_forms import _console
from zeren.config import Settings
from zeren.moderation.services import media

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(48)


def upload(client: TestClient, world: World, content: bytes, platform: str | None = None,
           role: str = "api_client", name: str = "x.png") -> Any:
    return client.post(f"{API}/platforms/{platform or world.big_id}/moderation/media",
                       headers=world.auth(role), files={"file": (name, content, "image/png")})


def test_an_image_is_kept_by_its_digest_and_served_from_zeren(client: TestClient,
                                                              world: World) -> None:
    r = upload(client, world, PNG)
    assert r.status_code == 201, r.text
    sha = hashlib.sha256(PNG).hexdigest()
    body = r.json()
    assert body["sha256"] == sha and body["ref"] == f"sha256:{sha}" and body["size"] == len(PNG)
    assert body["content_type"] == "image/png"
    assert body["url"] == f"{API}/platforms/{world.big_id}/moderation/media/{sha}"
    assert upload(client, world, PNG).json()["sha256"] == sha  # the same bytes, one file
    got = client.get(body["url"], headers=world.auth("moderator"))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-sha256"] == sha
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    # what the uploader says it is counts for nothing: the first bytes decide
    v = upload(client, world, MP4, name="clip.png")
    assert v.status_code == 201 and v.json()["content_type"] == "video/mp4"


def test_only_images_and_videos_within_the_size_are_kept(client: TestClient, world: World,
                                                         settings: Settings) -> None:
    for bad in (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                b"<html><script>alert(1)</script></html>", b"", b"GIF8"):
        r = upload(client, world, bad)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "file", bad
    settings.media_max_bytes = 1024
    r = upload(client, world, PNG + bytes(1024))
    assert r.status_code == 413 and r.json()["error"]["details"]["max_bytes"] == 1024
    assert upload(client, world, PNG).status_code == 201


def test_a_subject_names_kept_files_of_its_own_platform_only(client: TestClient,
                                                             world: World) -> None:
    ref = upload(client, world, PNG).json()["ref"]
    missing = "sha256:" + "0" * 64
    url = f"{API}/platforms/{world.big_id}/moderation"
    r = client.post(f"{url}/reports", headers=world.auth("api_client"),
                    json=report_body("m-1") | {"subject": {
                        **report_body("m-1")["subject"], "media": [ref, missing]}})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "subject.media.1"
    r = client.post(f"{url}/subjects", headers=world.auth("api_client"),
                    json={"kind": "post", "external_ref": "m-2", "text": "图",
                          "media": [ref, "https://img.example.com/a.jpg"]})
    assert r.status_code == 201, r.text
    assert r.json()["subject"]["media"] == [ref, "https://img.example.com/a.jpg"]
    r = client.post(f"{url}/subjects/batch", headers=world.auth("api_client"),
                    json={"items": [{"kind": "post", "external_ref": "m-3", "media": [ref]},
                                    {"kind": "post", "external_ref": "m-4",
                                     "media": [missing]}]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "items.1.media.0"
    # the other platform has no such file, whatever its moderators know of the digest
    other = f"{API}/platforms/{world.small_id}/moderation"
    r = client.post(f"{other}/subjects", headers=world.auth("api_client"),
                    json={"kind": "post", "external_ref": "m-5", "media": [ref]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "media.0"
    sha = ref.removeprefix("sha256:")
    assert client.get(f"{other}/media/{sha}", headers=world.auth("moderator")
                      ).status_code == 404
    # a token scoped to the small platform reads nothing of the big one's
    assert client.get(f"{url}/media/{sha}", headers=world.auth("moderator", scoped=True)
                      ).status_code == 403
    assert client.get(f"{url}/media/{sha}").status_code == 401
    assert client.get(f"{url}/media/not-a-digest", headers=world.auth("moderator")
                      ).status_code == 422


def test_the_count_of_media_items_is_bounded_by_the_setting(client: TestClient, world: World,
                                                           settings: Settings) -> None:
    settings.media_max_items = 1
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/subjects",
                    headers=world.auth("api_client"),
                    json={"kind": "post", "external_ref": "n-1",
                          "media": ["https://a.example.com/1.jpg", "https://a.example.com/2.jpg"]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "media"
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/subjects",
                    headers=world.auth("api_client"),
                    json={"kind": "post", "external_ref": "n-2", "media": [f"https://a.example.com/{i}"
                                                                         for i in range(21)]})
    assert r.status_code == 422  # the document's own bound, whatever the setting


def test_an_altered_file_is_refused_never_shown(client: TestClient, world: World,
                                                settings: Settings) -> None:
    sha = upload(client, world, PNG).json()["sha256"]
    path = media.media_path(settings.data_dir, world.big_id, sha)
    path.write_bytes(PNG[:-1] + b"\x01")
    r = client.get(f"{API}/platforms/{world.big_id}/moderation/media/{sha}",
                   headers=world.auth("moderator"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "media_altered"


def test_the_case_page_shows_kept_media_from_zeren_and_links_outside_ones(
        app: Any, world: World) -> None:
    c = _console(app)
    ref = upload(c, world, PNG).json()["ref"]
    video = upload(c, world, MP4).json()["ref"]
    outside = "https://img.example.com/post-9.jpg"
    r = c.post(f"{API}/platforms/{world.big_id}/moderation/reports",
               headers=world.auth("api_client"),
               json={**report_body("p-9"), "subject": {**report_body("p-9")["subject"],
                                                        "media": [ref, video, outside]}})
    assert r.status_code == 201, r.text
    page = c.get(f"/moderation/cases/{r.json()['case_id']}")
    assert page.status_code == 200
    sha, vsha = ref.removeprefix("sha256:"), video.removeprefix("sha256:")
    base = f"{API}/platforms/{world.big_id}/moderation/media"
    assert re.search(rf'<img class="media blur"[^>]* src="{base}/{sha}"', page.text)
    assert re.search(rf'<video class="media blur"[^>]* src="{base}/{vsha}"', page.text)
    # every src on the page is Zeren's own; the outside address is only a link
    assert all(s.startswith("/") for s in re.findall(r'\ssrc="([^"]+)"', page.text))
    assert re.search(rf'<a class="media" href="{re.escape(outside)}"', page.text)
    # the console session reads the file it shows
    assert c.get(f"{base}/{sha}").content == PNG
