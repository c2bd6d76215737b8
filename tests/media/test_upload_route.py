"""The local store's routes against hostile requests: an upload is refused after the few
kilobytes of its fields when its policy or size is wrong, whatever its body's length; every
/media answer forbids sniffing and running it; no path leads out of the media root."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from media.errors import MediaError
from media.store import LocalStore, PresignedPost

CHUNK = 64 * 1024


def _store(client: httpx.AsyncClient) -> LocalStore:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


def _form_head(post: PresignedPost, boundary: str, fields: dict[str, str] | None = None
               ) -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n" for name, value in (post.fields if fields is None else fields).items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="a.jpg"\r\nContent-Type: {post.content_type}\r\n\r\n')
    return "".join(parts).encode()


class Body:
    """A request body of fields and then a file of `size` bytes, sent a chunk at a time as
    the app asks for it, counting what it asked for; `stall` never ends it."""

    def __init__(self, head: bytes, size: int, boundary: str, *, stall: bool = False):
        self.head, self.size, self.boundary, self.stall = head, size, boundary, stall
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.pulled += len(self.head)
        yield self.head
        sent = 0
        while sent < self.size:
            chunk = b"\xff" * min(CHUNK, self.size - sent)
            sent += len(chunk)
            self.pulled += len(chunk)
            yield chunk
        if self.stall:
            await asyncio.Event().wait()
        yield f"\r\n--{self.boundary}--\r\n".encode()


async def _post(client: httpx.AsyncClient, body: Body, *, length: int | None = None
                ) -> httpx.Response:
    headers = {"content-type": f"multipart/form-data; boundary={body.boundary}"}
    if length is not None:
        headers["content-length"] = str(length)
    async with asyncio.timeout(20):
        return await client.post("/media-upload", content=body, headers=headers)


def _leftovers(store: LocalStore) -> list[str]:
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())


async def test_a_forged_policy_is_refused_before_the_file_is_read(
        client: httpx.AsyncClient) -> None:
    # given an anonymous chunked upload of 200 MB whose policy is signed by nobody
    store = _store(client)
    post = store.presigned_post("uploads/f.jpg", content_type="image/jpeg", max_bytes=10**9)
    boundary = secrets.token_hex(8)
    forged = dict(post.fields, signature="0" * 64)
    body = Body(_form_head(post, boundary, forged), 200 * 1024 * 1024, boundary)
    # when it is posted
    response = await _post(client, body)
    # then it is refused having read the fields and at most one chunk of the file
    assert response.status_code == 403
    assert response.json()["code"] == "UPLOAD_POLICY_VIOLATED"
    assert body.pulled <= len(body.head) + CHUNK
    assert store.head("uploads/f.jpg") is None and _leftovers(store) == []


async def test_a_body_longer_than_its_policy_allows_is_refused_by_its_length(
        client: httpx.AsyncClient) -> None:
    # given an upload allowed 1000 bytes declaring a 5 MB body that never comes
    store = _store(client)
    post = store.presigned_post("uploads/l.jpg", content_type="image/jpeg", max_bytes=1000)
    boundary = secrets.token_hex(8)
    body = Body(_form_head(post, boundary), 0, boundary, stall=True)
    # when it is posted, then it is refused before any byte of the file
    response = await _post(client, body, length=5 * 1024 * 1024)
    assert response.status_code == 403 and response.json()["code"] == "UPLOAD_TOO_LARGE"
    assert body.pulled == len(body.head)
    assert _leftovers(store) == []


async def test_a_chunked_file_is_read_up_to_its_policy_and_no_further(
        client: httpx.AsyncClient) -> None:
    store = _store(client)
    post = store.presigned_post("uploads/c.jpg", content_type="image/jpeg",
                                max_bytes=1024 * 1024)
    boundary = secrets.token_hex(8)
    body = Body(_form_head(post, boundary), 100 * 1024 * 1024, boundary)
    response = await _post(client, body)
    assert response.status_code == 403 and response.json()["code"] == "UPLOAD_TOO_LARGE"
    assert body.pulled <= len(body.head) + 1024 * 1024 + CHUNK
    assert _leftovers(store) == []
    # and an upload within its policy still arrives whole
    within = Body(_form_head(post, boundary), 1024 * 1024, boundary)
    assert (await _post(client, within)).status_code == 204
    assert store.get("uploads/c.jpg") == b"\xff" * 1024 * 1024


async def test_every_media_answer_forbids_sniffing_and_running_it(
        client: httpx.AsyncClient) -> None:
    store = _store(client)
    store.put("uploads/page.html", b"<script>alert(document.cookie)</script>", "text/html")
    store.put("uploads/logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
              "image/svg+xml")
    answers = [await client.get("/media/uploads/page.html"),
               await client.get("/media/uploads/logo.svg", headers={"Range": "bytes=0-9"}),
               await client.head("/media/uploads/logo.svg"),
               await client.get("/media/uploads/absent.jpg"),
               await client.get("/media/..%2F..%2Fetc%2Fpasswd")]
    assert [a.status_code for a in answers] == [200, 206, 200, 404, 404]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        policy = answer.headers["content-security-policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy


async def test_no_symlink_leads_out_of_the_media_root(client: httpx.AsyncClient,
                                                      tmp_path: Path) -> None:
    # given a secret outside the media root and links to it inside the root
    store = _store(client)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOURISM_SECRET_KEY=hunter2")
    (store.root / "uploads").mkdir(parents=True, exist_ok=True)
    os.symlink(outside, store.root / "uploads" / "escape")
    os.symlink(outside / "secret.txt", store.root / "uploads" / "secret.txt")
    for key in ("uploads/escape/secret.txt", "uploads/secret.txt"):
        # when it is asked for, then it is not found, and the store refuses the key
        response = await client.get(f"/media/{key}")
        assert response.status_code == 404 and response.json()["code"] == "MEDIA_NOT_FOUND"
        assert "hunter2" not in response.text
        with pytest.raises(MediaError) as refused:
            store.get(key)
        assert refused.value.code == "INVALID_MEDIA_KEY"
        with pytest.raises(MediaError):
            store.put(key, b"overwritten", "text/plain")
    assert (outside / "secret.txt").read_text() == "TOURISM_SECRET_KEY=hunter2"
    # a link that stays inside the root still serves
    store.put("audio/a.mp3", b"ID3-bytes", "audio/mpeg")
    os.symlink(store.root / "audio" / "a.mp3", store.root / "audio" / "b.mp3")
    assert (await client.get("/media/audio/b.mp3")).content == b"ID3-bytes"
