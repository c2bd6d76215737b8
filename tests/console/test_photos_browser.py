"""In headless Chromium, in Vietnamese and English, against a real server that sends e-mail to a
real SMTP server: an owner adds a photo to their listing (preview, then a progress bar),
proposes it as the cover; the editor sees the before and after with the photo and approves;
the owner receives the e-mail and the public cover is the new photo. Every page passes
axe-core without a serious or critical violation."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts.models import Account
from api.db import make_async_engine
from api.settings import MailSettings
from api.types.common import to_global_id
from geo.listings.models import DestinationOwner, ListingPhoto
from tests.accounts.helpers import HOTEL_A, PASSWORD, destination_id
from tests.conftest import BACKENDS
from tests.console.conftest import OWNER_A, Inbox, LiveConsole, served_console, walk
from tests.live import free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "console"
COVER = """query($id: ID!) { destination(id: $id) { coverPhoto { source url } } }"""


def noisy_photo(path: Path, seed: int) -> Path:
    """A JPEG of about a megabyte (noise does not compress), for the bar to have work; each
    seed its own photo (its own digest)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (1400, 1000), rng.randbytes(1400 * 1000 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    path.write_bytes(out.getvalue())
    return path


async def _owns(url: str, email: str, slug: str) -> int:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            hotel = await destination_id(session, slug)
            account = (await session.execute(select(Account).where(Account.email == email))
                       ).scalar_one()
            session.add(DestinationOwner(destination_id=hotel, account_id=account.id,
                                         verified=True))
            await session.commit()
            return hotel
    finally:
        await engine.dispose()


async def _photo_variants(url: str, photo_id: int) -> dict[str, dict[str, str]]:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            photo = await session.get(ListingPhoto, photo_id)
            assert photo is not None and photo.status == "ready"
            return dict(photo.variants)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def mailed_console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[LiveConsole, Inbox, int]]:
    """The console served with e-mail going to a real SMTP server, owner A owning hotel A."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mail = MailSettings(host="127.0.0.1", port=controller.port, starttls=False,
                        sender="console@sovhttdl.example.vn")
    try:
        with served_console(request, tmp_path_factory.mktemp("photos"), request.param,
                            mail=mail) as live:
            hotel = asyncio.run(_owns(live.database_url, OWNER_A, HOTEL_A))
            yield live, inbox, hotel
    finally:
        controller.stop()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_owner_adds_a_photo_the_editor_approves_it_as_the_cover(
        mailed_console: tuple[LiveConsole, Inbox, int], lang: str, tmp_path: Path) -> None:
    live, inbox, hotel = mailed_console
    result = walk("photos_walk.mjs", live, SCREENSHOTS / live.backend, CONSOLE_LANG=lang,
                  LISTING_ID=str(hotel), OWNER_EMAIL=OWNER_A, OWNER_PASSWORD=PASSWORD,
                  PHOTO_PATH=str(noisy_photo(tmp_path / "khach-san.jpg", len(lang) + ord(lang[0]))))
    assert result["problems"] == []
    for shown in result["pages"]:
        assert shown["violations"] == [], shown
        assert shown["lang"] == lang, shown
    names = [p["name"] for p in result["pages"]]
    assert f"{lang}-photos-progress" in names  # the bar was seen between 5 % and 95 %
    steps = {k: v for step in result["steps"] for k, v in step.items()}
    assert steps["preview"].startswith("blob:")
    assert "khach-san.jpg" in steps["caption"]
    progress = steps["progress"]
    assert progress[-1] == 100 and any(0 < v < 100 for v in progress), progress
    assert progress == sorted(progress)
    assert steps["ticked"] is True
    assert "?sent=1" in steps["sent"]
    assert steps["afterPhotos"] >= 1
    assert steps["decided"].endswith("/console/review")
    mails = [m for m in inbox.messages if m["To"] == OWNER_A]
    assert len(mails) == (1 if lang == "vi" else 2)
    variants = asyncio.run(_photo_variants(live.database_url, int(steps["photoId"])))
    cover = httpx.post(f"{live.base_url}/graphql", json={
        "query": COVER, "variables": {"id": to_global_id("Destination", hotel)}}
    ).json()["data"]["destination"]["coverPhoto"]
    assert cover["source"] == "LISTING_PHOTO"
    assert cover["url"].endswith(variants["large"]["jpeg"])
