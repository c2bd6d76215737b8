"""Panorama ingest: every refusal leaves the database and the store as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import ANONYMOUS, Actor, Role
from core.errors import DomainError
from media import service
from media.images import PixelBudget, probe
from media.models import Panorama
from media.store import LocalStore, MediaStore
from tests.media.panorama_images import direction_panorama, encoded, png_header_only

EDITOR = Actor(role=Role.EDITOR, account_id=1)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "media", public_base_url="http://testserver",
                      secret_key="k" * 40)


async def _rows(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Panorama.id)))).scalar_one())


async def _refused(session: AsyncSession, store: MediaStore, data: bytes, code: str,
                   budget: PixelBudget | None = None) -> None:
    rows, keys = await _rows(session), store.list_keys("")
    with pytest.raises(DomainError) as refused:
        await service.add_panorama(session=session, store=store, actor=EDITOR, data=data,
                                   budget=budget)
    assert refused.value.code == code
    assert await _rows(session) == rows
    assert store.list_keys("") == keys


def _jpeg(width: int, height: int) -> bytes:
    return encoded(Image.new("RGB", (width, height), (90, 120, 200)), "JPEG", quality=80)


async def test_not_two_to_one_is_refused(session: AsyncSession, store: LocalStore) -> None:
    await _refused(session, store, _jpeg(2048, 1000), "NOT_EQUIRECTANGULAR")
    await _refused(session, store, _jpeg(1024, 1024), "NOT_EQUIRECTANGULAR")


def test_two_to_one_within_one_pixel_passes_the_header_check() -> None:
    assert probe(_jpeg(2049, 1024)).width == 2049
    assert probe(_jpeg(2047, 1024)).height == 1024


async def test_over_the_pixel_budget_is_refused(session: AsyncSession,
                                                store: LocalStore) -> None:
    noisy = Image.effect_noise((2048, 1024), 90).convert("RGB")
    await _refused(session, store, encoded(noisy, "JPEG", quality=95), "PANORAMA_TOO_LARGE",
                   budget=PixelBudget(1024, 512))


def test_default_budget_is_16384_by_8192() -> None:
    assert PixelBudget().width == 16384 and PixelBudget().height == 8192
    # Exactly the budget passes the size checks (and stops at the missing pixels)...
    with pytest.raises(DomainError) as inside:
        probe(png_header_only(16384, 8192)[:-12])
    assert inside.value.code == "TRUNCATED_IMAGE"
    # ...two more columns do not.
    with pytest.raises(DomainError) as over:
        probe(png_header_only(16386, 8193))
    assert over.value.code in {"PANORAMA_TOO_LARGE", "DECOMPRESSION_BOMB"}


async def test_decompression_bombs_are_refused_before_decoding(
        session: AsyncSession, store: LocalStore) -> None:
    # A few hundred bytes claiming 5 gigapixels: Pillow's own bomb limit trips in the header.
    await _refused(session, store, png_header_only(100_000, 50_000), "DECOMPRESSION_BOMB")
    # A real, tiny, single-colour PNG whose raster is a thousand times its size.
    black = encoded(Image.new("RGB", (4096, 2048)), "PNG", optimize=True)
    assert len(black) * 1000 < 4096 * 2048 * 3
    await _refused(session, store, black, "DECOMPRESSION_BOMB", budget=PixelBudget(2048, 1024))


async def test_corrupt_and_truncated_files_are_refused(session: AsyncSession,
                                                       store: LocalStore) -> None:
    jpeg = encoded(direction_panorama(1024), "JPEG", quality=85)
    await _refused(session, store, jpeg[: len(jpeg) // 2], "TRUNCATED_IMAGE")
    await _refused(session, store, b"\xff\xd8\xff" + b"\x13" * 4000, "CORRUPT_IMAGE")
    png = bytearray(encoded(direction_panorama(1024), "PNG"))
    start = png.index(b"IDAT") + 40
    png[start:start + 200] = b"\x55" * 200  # the IDAT CRC no longer matches its data
    await _refused(session, store, bytes(png), "CORRUPT_IMAGE")
    await _refused(session, store, b"", "UNSUPPORTED_IMAGE_FORMAT")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
async def test_formats_outside_jpeg_png_webp_are_refused(
        session: AsyncSession, store: LocalStore, fmt: str) -> None:
    await _refused(session, store, encoded(direction_panorama(1024), fmt),
                   "UNSUPPORTED_IMAGE_FORMAT")


async def test_only_staff_may_add_panoramas(session: AsyncSession, store: LocalStore) -> None:
    data = encoded(direction_panorama(1024), "JPEG")
    for actor, code in ((ANONYMOUS, "UNAUTHENTICATED"),
                        (Actor(role=Role.OWNER, account_id=5), "FORBIDDEN")):
        with pytest.raises(DomainError) as refused:
            await service.add_panorama(session=session, store=store, actor=actor, data=data)
        assert refused.value.code == code
    assert store.list_keys("") == [] and await _rows(session) == 0


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_accepted_formats_are_content_addressed_and_idempotent(
        session: AsyncSession, store: LocalStore, fmt: str) -> None:
    data = encoded(direction_panorama(1024), fmt)
    first, created = await service.add_panorama(session=session, store=store, actor=EDITOR,
                                                data=data)
    keys = store.list_keys("")
    assert created and first.width == 1024 and first.height == 512
    assert all(k.startswith(f"panoramas/{first.sha256}/") for k in keys)
    again, created_again = await service.add_panorama(session=session, store=store,
                                                      actor=EDITOR, data=data)
    assert (again.id, created_again) == (first.id, False)
    assert store.list_keys("") == keys and await _rows(session) == 1


class FailingStore(LocalStore):
    """A local store whose disk "fills up" after a number of writes."""

    def __init__(self, root: Path, fail_after: int):
        super().__init__(root, public_base_url="http://testserver", secret_key="k" * 40)
        self.fail_after = fail_after
        self.puts = 0

    def put(self, key: str, data: bytes, content_type: str, *, immutable: bool = False
            ) -> None:
        self.puts += 1
        if self.puts > self.fail_after:
            raise OSError(28, "No space left on device")
        super().put(key, data, content_type, immutable=immutable)


async def test_a_failure_mid_way_removes_every_object_written(
        session: AsyncSession, tmp_path: Path) -> None:
    store = FailingStore(tmp_path / "media", fail_after=40)
    with pytest.raises(OSError):
        await service.add_panorama(session=session, store=store, actor=EDITOR,
                                   data=encoded(direction_panorama(2048), "JPEG"))
    assert store.puts > 40
    assert store.list_keys("") == []
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))
    assert await _rows(session) == 0
