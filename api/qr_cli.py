"""`tourism qr ...`: print sheets of a destination's QR labels."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from api.db import make_async_engine, make_session_factory
from api.settings import get_settings
from geo import service as geo_service
from qr import service as qr_service
from qr.images import ErrorCorrection
from qr.sheet import Label, SheetFormat, render_sheet

qr_app = typer.Typer(help="QR codes of the audio guides.", no_args_is_help=True)


async def _labels(destination: str) -> tuple[str, list[Label]]:
    settings = get_settings()
    engine = make_async_engine(settings.db.url)
    try:
        async with make_session_factory(engine)() as session:
            found = await geo_service.find_destination(session=session, slug_or_id=destination)
            if found is None:
                raise typer.BadParameter(f"no destination {destination!r} (give a slug or an id)")
            labels = await qr_service.sheet_labels(session=session, destination_id=found.id,
                                                   public_base_url=settings.server.public_base_url)
            return found.slug, labels
    finally:
        await engine.dispose()


@qr_app.command()
def sheet(
    destination: Annotated[str, typer.Argument(help="a destination's slug or id")],
    format: Annotated[SheetFormat, typer.Option(help="pdf, or svg (one file per A4 page)")
                      ] = SheetFormat.PDF,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write")] = None,
    level: Annotated[ErrorCorrection, typer.Option(help="L, M, Q or H")] = ErrorCorrection.M,
) -> None:
    """Write an A4 print sheet of a destination's QR labels (vi + en titles, the code)."""
    slug, labels = asyncio.run(_labels(destination))
    if not labels:
        typer.echo(f"{slug} has no enabled QR codes", err=True)
        raise typer.Exit(1)
    rendered = render_sheet(labels, format=format, level=level)
    target = output or Path(f"qr-{slug}.{format.value}")
    written = [target if len(rendered.documents) == 1 else
               target.with_name(f"{target.stem}-{i + 1}{target.suffix}")
               for i in range(len(rendered.documents))]
    for path, document in zip(written, rendered.documents, strict=True):
        path.write_bytes(document)
    typer.echo(f"{len(labels)} labels → {', '.join(str(p) for p in written)}")
