"""Guided stops and narrations: staff only, route order, and every refused upload leaves
nothing behind (database and media store), on a local folder and on S3 over HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from accounts.permissions import ANONYMOUS, Actor, AuthenticationRequired, PermissionDenied, Role
from core.errors import DomainError
from core.time import utcnow
from media import service as media_service
from media.store import LocalStore, MediaStore
from qr.demo import demo_file
from tests.accounts.helpers import snapshot
from tests.qr.conftest import STAFF, data_file, make_guide_stop
from tours import narrations, stops
from tours.models import Narration, Stop

VTT = "WEBVTT\n\n00:00.000 --> 00:02.500\nXin chào quý khách.\n"
NOW = utcnow()


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test's own "now": uploads made with it expire 10 minutes later, and a long run
    reaches a module's tests long after it was imported."""
    global NOW
    NOW = utcnow()



async def _narrations(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(Narration.id))) or 0)


async def test_stops_come_in_route_order_with_their_narrations(
    session: AsyncSession, store: MediaStore,
) -> None:
    guide = await make_guide_stop(session, store)
    later = await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=guide.destination.id, title={"vi": "Nghi môn"}, position=0))
    route = (await stops.stops_of_destinations(
        session=session, destination_ids=[guide.destination.id]))[guide.destination.id]
    assert [s.id for s in route] == [later.id, guide.stop.id]
    assert guide.stop.position == 1  # the first stop goes at the end of an empty route
    found = (await stops.narrations_of_stops(session=session, stop_ids=[guide.stop.id]))
    by_lang = {n.lang: n for n in found[guide.stop.id]}
    assert set(by_lang) == {"en", "vi"}
    assert 7.0 < by_lang["vi"].duration_s < 8.5  # espeak-ng said it in about 7.7 s
    assert "Bà Thiên Hậu" in by_lang["vi"].transcript_text
    assert store.get(by_lang["vi"].audio_key) == demo_file("chua-ba-thien-hau-2.vi.ogg")
    assert store.get(by_lang["en"].transcript_key).startswith(b"WEBVTT")
    picked = stops.pick_narration(found[guide.stop.id], ("ko", "vi", "en"))
    assert picked is not None and picked.lang == "vi"
    picked = stops.pick_narration(found[guide.stop.id], ("en-GB", "en", "vi"))
    assert picked is not None and picked.lang == "en"


@pytest.mark.parametrize("actor", [ANONYMOUS, Actor(role=Role.OWNER, account_id=9)])
async def test_only_staff_create_stops(session: AsyncSession, actor: Actor) -> None:
    before = await session.scalar(select(func.count(Stop.id)))
    with pytest.raises((PermissionDenied, AuthenticationRequired)):
        await stops.create_stop(session=session, actor=actor, data=stops.NewStop(
            destination_id=1, title={"vi": "Cổng"}))
    assert await session.scalar(select(func.count(Stop.id))) == before


@pytest.mark.parametrize(("data", "code"), [
    (stops.NewStop(destination_id=1, title={}), "INVALID_STOP"),
    (stops.NewStop(destination_id=1, title={"vi": "   "}), "INVALID_STOP"),
    (stops.NewStop(destination_id=1, title={"not a tag!": "x"}), "INVALID_LANGUAGE"),
    (stops.NewStop(destination_id=999_999, title={"vi": "Cổng"}), "INVALID_STOP"),
    (stops.NewStop(destination_id=1, title={"vi": "Cổng"},
                   viewpoint=stops.Viewpoint(scene_id=999_999)), "INVALID_VIEWPOINT"),
    (stops.NewStop(destination_id=1, title={"vi": "Cổng"},
                   viewpoint=stops.Viewpoint(scene_id=1, pitch=120)), "INVALID_VIEWPOINT"),
])
async def test_bad_stops_are_refused_and_nothing_is_written(
    session: AsyncSession, data: stops.NewStop, code: str,
) -> None:
    before = await session.scalar(select(func.count(Stop.id)))
    with pytest.raises(DomainError) as info:
        await stops.create_stop(session=session, actor=STAFF, data=data)
    assert info.value.code == code
    assert await session.scalar(select(func.count(Stop.id))) == before


def _upload(store: MediaStore, post_url: str, fields: dict[str, str], data: bytes,
            content_type: str) -> None:
    if isinstance(store, LocalStore):  # the local route is tested in tests/media
        store.put(fields["key"], data, content_type)
        return
    response = httpx.post(post_url, data=fields, files={"file": ("a", data, content_type)})
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize(("fixture", "content_type"), [
    ("tone.mp3", "audio/mpeg"), ("tone.m4a", "audio/mp4"), ("tone.ogg", "audio/ogg")])
async def test_presigned_upload_then_confirm_keeps_the_narration(
    session: AsyncSession, store: MediaStore, fixture: str, content_type: str,
) -> None:
    guide = await make_guide_stop(session, store)
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="fr",
        content_type=content_type)
    assert post.key.startswith(f"narrations/{guide.stop.id}/fr/")
    _upload(store, post.url, post.fields, data_file(fixture), content_type)
    narration = await narrations.confirm_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="fr",
        key=post.key, transcript="WEBVTT\n\n00:00.000 --> 00:03.000\nBonjour.\n",
        translation=stops.Translation.MACHINE)
    assert narration.lang == "fr" and 2.9 < narration.duration_s < 3.2
    assert narration.audio_type == content_type and narration.translation == "machine"
    assert store.head(post.key) is not None
    assert store.head(narration.transcript_key) is not None


REFUSALS = [
    # (what is uploaded, the type it claims, transcript, expected code)
    ("tone.wav", "audio/mpeg", VTT, "AUDIO_TYPE_MISMATCH"),        # not the audio it claims
    ("tone.ogg", "audio/mpeg", VTT, "AUDIO_TYPE_MISMATCH"),        # Ogg claiming MP3
    ("tone-alac.m4a", "audio/mp4", VTT, "AUDIO_TYPE_MISMATCH"),    # M4A but not AAC
    ("cut:tone.mp3", "audio/mpeg", VTT, "AUDIO_CORRUPT"),          # truncated
    ("junk:ID3", "audio/mpeg", VTT, "AUDIO_CORRUPT"),              # an ID3 header and noise
    ("junk:OggS", "audio/ogg", VTT, "AUDIO_CORRUPT"),
    ("tone.mp3", "audio/mpeg", "WEBVTT\n\n00:00.000 -> 00:02.000\nx\n", "TRANSCRIPT_INVALID"),
    ("tone.mp3", "audio/mpeg", "00:00.000 --> 00:02.000\nx\n", "TRANSCRIPT_INVALID"),
    ("tone.mp3", "audio/mpeg", "WEBVTT\n\n00:00.000 --> 00:09.000\nx\n",
     "TRANSCRIPT_LONGER_THAN_AUDIO"),
]


def _payload(spec: str) -> bytes:
    if spec.startswith("cut:"):
        whole = data_file(spec[4:])
        return whole[: len(whole) // 3]
    if spec.startswith("junk:"):
        return spec[5:].encode() + bytes(range(256)) * 20
    return data_file(spec)


@pytest.mark.parametrize(("spec", "content_type", "transcript", "code"), REFUSALS)
async def test_refused_uploads_leave_nothing(
    session: AsyncSession, store: MediaStore, spec: str, content_type: str, transcript: str,
    code: str,
) -> None:
    guide = await make_guide_stop(session, store)
    keys_before = store.list_keys("narrations")
    count_before = await _narrations(session)
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
        content_type=content_type)
    _upload(store, post.url, post.fields, _payload(spec), content_type)
    assert store.head(post.key) is not None  # it was really uploaded
    with pytest.raises(DomainError) as info:
        await narrations.confirm_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ko",
            key=post.key, transcript=transcript, translation=stops.Translation.HUMAN)
    assert info.value.code == code
    assert store.list_keys("narrations") == keys_before
    assert await _narrations(session) == count_before


async def test_too_large_and_too_long_audio_are_refused(
    session: AsyncSession, store: MediaStore,
) -> None:
    guide = await make_guide_stop(session, store)
    keys_before = store.list_keys("narrations")
    for kwargs, code in (({"max_bytes": 1000}, "AUDIO_TOO_LARGE"),):
        post = await narrations.request_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ja",
            content_type="audio/mpeg")
        _upload(store, post.url, post.fields, data_file("tone.mp3"), "audio/mpeg")
        with pytest.raises(DomainError) as info:
            await narrations.confirm_narration_upload(
                session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ja",
                key=post.key, transcript=VTT, translation=stops.Translation.HUMAN, **kwargs)
        assert info.value.code == code
    from media.audio import AudioError, check_audio

    with pytest.raises(AudioError) as too_long:
        check_audio(data_file("tone.mp3"), content_type="audio/mpeg", max_seconds=2.0)
    assert too_long.value.code == "AUDIO_TOO_LONG"
    assert store.list_keys("narrations") == keys_before


async def test_confirm_refuses_missing_and_foreign_keys(
    session: AsyncSession, store: MediaStore,
) -> None:
    guide = await make_guide_stop(session, store)
    count_before = await _narrations(session)
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="zh",
        content_type="audio/ogg")
    with pytest.raises(DomainError) as missing:  # nothing was uploaded
        await narrations.confirm_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="zh",
            key=post.key, transcript=VTT, translation=stops.Translation.HUMAN)
    assert missing.value.code == "NARRATION_UPLOAD_MISSING"
    existing = (await stops.narrations_of_stops(session=session, stop_ids=[guide.stop.id]))[
        guide.stop.id][0]
    for key in (existing.audio_key, "narrations/1/zh/../../etc.mp3", "photos/x.mp3"):
        with pytest.raises(DomainError) as foreign:
            await narrations.confirm_narration_upload(
                session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="zh",
                key=key, transcript=VTT, translation=stops.Translation.HUMAN)
        assert foreign.value.code == "INVALID_NARRATION_KEY"
    assert store.head(existing.audio_key) is not None  # someone else's object is untouched
    assert await _narrations(session) == count_before


async def test_uploads_need_staff(session: AsyncSession, store: MediaStore) -> None:
    guide = await make_guide_stop(session, store)
    with pytest.raises(AuthenticationRequired):
        await narrations.request_narration_upload(
            session=session, store=store, actor=ANONYMOUS, stop_id=guide.stop.id, lang="vi",
            content_type="audio/ogg")


async def test_a_narration_confirmed_after_its_upload_expired_writes_nothing(
    session: AsyncSession, store: MediaStore, connection: AsyncConnection,
) -> None:
    guide = await make_guide_stop(session, store)
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ja",
        content_type="audio/mpeg", now=NOW)
    assert post.expires_at == NOW + timedelta(seconds=300)
    _upload(store, post.url, post.fields, data_file("tone.mp3"), "audio/mpeg")
    await session.flush()
    before = await snapshot(connection, store)
    with pytest.raises(DomainError) as expired:
        await narrations.confirm_narration_upload(
            session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="ja",
            key=post.key, transcript=VTT, translation=stops.Translation.HUMAN,
            now=post.expires_at)
    assert expired.value.code == "UPLOAD_EXPIRED"
    assert await snapshot(connection, store) == before


async def test_a_narration_key_is_claimed_only_for_its_stop_and_language(
    session: AsyncSession, store: MediaStore, connection: AsyncConnection,
) -> None:
    guide = await make_guide_stop(session, store)
    other = await stops.create_stop(session=session, actor=STAFF, data=stops.NewStop(
        destination_id=guide.destination.id, title={"vi": "Nghi môn"}))
    post = await narrations.request_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="zh",
        content_type="audio/mpeg", now=NOW)
    panorama = await media_service.request_panorama_upload(
        session=session, store=store, actor=STAFF, content_type="image/jpeg", now=NOW)
    _upload(store, post.url, post.fields, data_file("tone.mp3"), "audio/mpeg")
    store.put(panorama.key, data_file("tone.mp3"), "audio/mpeg")
    await session.flush()
    before = await snapshot(connection, store)
    for stop_id, lang, key in ((guide.stop.id, "en", post.key),  # another language
                               (other.id, "zh", post.key),  # another stop
                               (guide.stop.id, "zh", panorama.key)):  # another purpose
        with pytest.raises(DomainError) as foreign:
            await narrations.confirm_narration_upload(
                session=session, store=store, actor=STAFF, stop_id=stop_id, lang=lang,
                key=key, transcript=VTT, translation=stops.Translation.HUMAN, now=NOW)
        assert foreign.value.code == "INVALID_NARRATION_KEY"
    assert await snapshot(connection, store) == before
    narration = await narrations.confirm_narration_upload(
        session=session, store=store, actor=STAFF, stop_id=guide.stop.id, lang="zh",
        key=post.key, transcript=VTT, translation=stops.Translation.HUMAN, now=NOW)
    assert narration.audio_key == post.key and store.head(post.key) is not None
