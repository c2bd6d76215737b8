"""Photo variants against hostile photos: no metadata of any kind reaches a public variant, a
photo inside the pixel budget whose decoding needs too much memory is refused before it is
decoded (and its upload deleted: its URL answers 404, on a local folder and on S3), and the
memory a large photo takes to render stays near its decoded size."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageCms
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import DomainError
from core.time import utcnow
from geo.listings import photos
from media.errors import MediaError
from media.store import LocalStore, MediaStore
from media.variants import PHOTO_BUDGET, render_variants
from tests.accounts.helpers import cast, snapshot
from tests.conftest import ROOT

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
       b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
       b'exif:GPSLatitude="10,58.2N"/></rdf:RDF></x:xmpmeta>')
COMMENT = b"owner's home: 12 Nguyen Hue, phone 0903 000 000"


def tagged_jpeg() -> bytes:
    """A JPEG carrying every kind of metadata: a COM comment, EXIF with GPS, XMP and an ICC
    profile."""
    image = Image.new("RGB", (900, 600), (30, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (10.0, 58.0, 12.0), 3: "E", 4: (106.0, 39.0, 36.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", comment=COMMENT, exif=exif.tobytes(), xmp=XMP, icc_profile=icc)
    return out.getvalue()


@lru_cache(maxsize=1)
def memory_bomb() -> bytes:
    """A whole, valid 155 KB PNG of 7744×5164 RGBA pixels: 40 Mpx, inside the pixel budget,
    160 MB once decoded."""
    width, height = 7744, 5164

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width * 4 + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6,
                                                              0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def jpeg_markers(data: bytes) -> list[int]:
    """The marker of every segment before the scan of a JPEG."""
    markers, pos = [], 2
    while pos < len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return markers


def webp_chunks(data: bytes) -> list[bytes]:
    """The chunk names of a WebP file."""
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunks.append(kind)
        pos += 8 + size + (size & 1)
    return chunks


def test_no_metadata_reaches_a_variant() -> None:
    source = tagged_jpeg()
    assert COMMENT in source and b"adobe:ns:meta" in source
    rendered = render_variants(source, "image/jpeg")
    for name, blob in rendered.variants.items():
        assert COMMENT not in blob and b"adobe:ns:meta" not in blob and b"Exif" not in blob
        if name.endswith(".jpg"):
            markers = jpeg_markers(blob)
            assert 0xFE not in markers, name  # COM
            assert [m for m in markers if 0xE1 <= m <= 0xEF] == [], name  # APP1..APP15
            with Image.open(io.BytesIO(blob)) as image:
                assert not {"comment", "exif", "icc_profile", "xmp"} & set(image.info), name
        else:
            assert set(webp_chunks(blob)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}, name


def test_a_photo_whose_decoding_needs_too_much_memory_is_refused_before_decoding() -> None:
    bomb = memory_bomb()
    assert len(bomb) < 200_000 and 7744 * 5164 <= PHOTO_BUDGET.pixels
    with pytest.raises(MediaError) as refused:
        render_variants(bomb, "image/png")
    assert refused.value.code == "PHOTO_TOO_MANY_PIXELS"


# The peak resident size of this process image (VmHWM: ru_maxrss would start from the
# forking parent's), before and after rendering.
PEAK = """
import json, sys
from media.variants import render_variants
def peak():
    status = open("/proc/self/status").read()
    return int(status.split("VmHWM:")[1].split()[0])
data = open(sys.argv[1], "rb").read()
before = peak()
rendered = render_variants(data, "image/png")
after = peak()
print(json.dumps({"growth_kb": after - before, "size": [rendered.width, rendered.height]}))
"""


def test_rendering_a_large_photo_holds_about_its_decoded_size(tmp_path: Path) -> None:
    """A 32 Mpx PNG (127 MB decoded, inside the budget) renders with its decoded image and a
    little more in memory, not the three full-size copies it took before."""
    image = Image.new("RGB", (6900, 4600), (200, 180, 150))
    for x in range(0, 6900, 300):
        image.paste((x % 256, 40, 90), (x, 0, x + 40, 4600))
    image.save(tmp_path / "large.png")
    del image
    result = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path / "large.png")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    measured = json.loads(result.stdout.splitlines()[-1])
    assert measured["size"] == [6900, 4600]
    assert measured["growth_kb"] < 200 * 1024, measured


async def test_a_refused_photo_upload_is_deleted_and_its_url_answers_404(
        session: AsyncSession, store: MediaStore, connection: AsyncConnection,
        client: httpx.AsyncClient) -> None:
    # given an owner's photo upload holding a PNG that needs too much memory to decode
    now = utcnow()
    people = await cast(session)
    upload = await photos.start_upload(session=session, store=store,
                                       actor=people.owner_a.actor,
                                       destination_id=people.hotel_a, content_type="image/png",
                                       now=now)
    key = upload.photo.upload_key
    store.put(key, memory_bomb(), "image/png")
    await session.flush()
    url = store.url(key)
    assert (await _get(client, store, url)).status_code == 200
    before = await snapshot(connection, store)
    # when it is confirmed
    with pytest.raises(DomainError) as refused:
        await photos.confirm_upload(session=session, store=store, actor=people.owner_a.actor,
                                    photo_id=upload.photo.id, now=now)
    # then it is refused, its object is gone and its URL answers 404, nothing else changed
    assert refused.value.code == "PHOTO_TOO_MANY_PIXELS"
    after = await snapshot(connection, store)
    assert after == dict(before, store=[k for k in before["store"] if k != key])
    assert store.head(key) is None and store.list_keys("photos") == []
    assert (await _get(client, store, url)).status_code == 404


async def _get(client: httpx.AsyncClient, store: MediaStore, url: str) -> httpx.Response:
    if isinstance(store, LocalStore):  # served by the app
        return await client.get(url.removeprefix("http://testserver"))
    async with httpx.AsyncClient() as direct:
        return await direct.get(url)
