"""`tourism panorama add FILE`: ingest a panorama from the command line, with a progress bar."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Annotated

import typer

from accounts.permissions import Actor, Role
from api.db import make_async_engine, make_session_factory
from api.media_store import store_for
from api.settings import get_settings
from core.errors import DomainError
from geo.geometry import GeoPoint
from media import service as media_service
from tours import service as tour_service

panorama_app = typer.Typer(help="360° panoramas: add them to the store and to tours.",
                           no_args_is_help=True)
OPERATOR = Actor(role=Role.ADMIN, account_id=0)  # whoever runs the CLI on the server


@panorama_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    destination: str | None = typer.Option(None, help="Destination slug: add a scene to its "
                                           "tour (created as SLUG-360 when missing)."),
    tour: str | None = typer.Option(None, help="Tour slug (default: DESTINATION-360)."),
    title_vi: str | None = typer.Option(None, help="Scene title in Vietnamese."),
    title_en: str | None = typer.Option(None, help="Scene title in English."),
    lat: float | None = typer.Option(None), lng: float | None = typer.Option(None),
    north_offset: float = typer.Option(0.0, help="Compass heading of the image centre."),
) -> None:
    """Check and tile a JPEG/PNG/WebP equirectangular panorama; optionally add it as a scene."""
    settings = get_settings()
    store = store_for(settings)
    data = file.read_bytes()
    lock = threading.Lock()

    async def run() -> str:
        engine = make_async_engine(settings.db.url)
        try:
            async with make_session_factory(engine)() as session:
                with typer.progressbar(length=1, label="tiling") as bar:
                    seen = [0]

                    def progress(done: int, total: int) -> None:
                        with lock:
                            bar.length = total
                            bar.update(done - seen[0])
                            seen[0] = done

                    panorama, created = await media_service.add_panorama(
                        session=session, store=store, actor=OPERATOR, data=data,
                        progress=progress)
                lines = [f"panorama {panorama.id} ({panorama.width}×{panorama.height}, "
                         f"{'new' if created else 'already there'}) sha256 {panorama.sha256}"]
                if destination:
                    title = {k: v for k, v in (("vi", title_vi), ("en", title_en)) if v}
                    found, scene = await tour_service.add_panorama_scene(
                        session=session, actor=OPERATOR, destination_slug=destination,
                        panorama_id=panorama.id, title=title or {"vi": file.stem},
                        tour_slug=tour, north_offset=north_offset,
                        location=GeoPoint(lat=lat, lng=lng)
                        if lat is not None and lng is not None else None)
                    lines.append(f"scene {scene.id} in tour {found.slug}: "
                                 f"{settings.server.public_base_url}/tours/{found.id}")
                await session.commit()
                return "\n".join(lines)
        finally:
            await engine.dispose()

    try:
        typer.echo(asyncio.run(run()))
    except DomainError as exc:
        typer.echo(f"refused ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(code=2) from exc
