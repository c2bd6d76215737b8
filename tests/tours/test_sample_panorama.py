"""README's `tourism panorama add` example runs as written on the sample panorama that ships
in examples/, against a scratch SpatiaLite database holding the demo data (what `make run`
leaves)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api import migrations
from api.db import make_async_engine
from examples.make_hall import HALL, hall_panorama
from geo.demo import load_demo
from media.models import Panorama
from media.store import LocalStore
from tests.conftest import TEST_SECRET
from tours.demo import load_demo_tours
from tours.models import Scene, Tour

ROOT = Path(__file__).resolve().parents[2]


def readme_command() -> list[str]:
    """The `tourism panorama add` example of README's Virtual tours section, as argv."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Virtual tours", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    (command,) = [b for b in blocks if "tourism panorama add" in b]
    return shlex.split(command.replace("\\\n", " "))


def test_the_sample_panorama_is_small_equirectangular_and_drawn_by_its_script() -> None:
    assert HALL == ROOT / "examples" / "hall.jpg"
    assert HALL.stat().st_size <= 300_000
    with Image.open(HALL) as shipped:
        assert shipped.format == "JPEG" and shipped.size == (2048, 1024)
        with Image.open(io.BytesIO(hall_panorama())) as drawn:
            difference = ImageStat.Stat(ImageChops.difference(
                shipped.convert("RGB"), drawn.convert("RGB"))).mean
    assert max(difference) < 2.0  # the same picture (JPEG encoders may differ by a bit)


async def _demo(url: str, store: LocalStore) -> None:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            await load_demo(session=session)
            await load_demo_tours(session=session, store=store, width=1024)
            await session.commit()
    finally:
        await engine.dispose()


async def _scenes(url: str) -> list[tuple[Scene, Panorama]]:
    engine = make_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(Scene, Panorama).join(Tour, Tour.id == Scene.tour_id)
                .join(Panorama, Panorama.id == Scene.panorama_id)
                .where(Tour.slug == "chua-ba-thien-hau-360").order_by(Scene.position))
            return [(scene, panorama) for scene, panorama in rows]
    finally:
        await engine.dispose()


def test_the_readme_example_adds_the_sample_as_a_scene(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tourism.sqlite'}"
    migrations.upgrade(url)
    base = "http://127.0.0.1:8000"
    asyncio.run(_demo(url, LocalStore(tmp_path / "media", public_base_url=base,
                                      secret_key=TEST_SECRET)))
    before = asyncio.run(_scenes(url))

    command = readme_command()
    assert command[:3] == [".venv/bin/tourism", "panorama", "add"]
    assert command[3] == "examples/hall.jpg"
    env = dict(os.environ, TOURISM_DATABASE_URL=url, TOURISM_MEDIA_URL=f"file://{tmp_path}/media",
               TOURISM_PUBLIC_BASE_URL=base, TOURISM_SECRET_KEY=TEST_SECRET)
    tourism = str(Path(sys.executable).parent / "tourism")
    run = subprocess.run([tourism, *command[1:]], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "(2048×1024, new)" in run.stdout
    assert re.search(r"scene \d+ in tour chua-ba-thien-hau-360: http://127\.0\.0\.1:8000/tours/"
                     r"\d+", run.stdout), run.stdout

    after = asyncio.run(_scenes(url))
    assert [s.id for s, _ in after[:-1]] == [s.id for s, _ in before]
    scene, panorama = after[-1]
    assert scene.title == {"vi": "Chính điện", "en": "Main hall"}
    assert scene.north_offset == 200.0
    assert panorama.ready and (panorama.width, panorama.height) == (2048, 1024)
    assert (tmp_path / "media" / "panoramas" / panorama.sha256).is_dir()
