"""The `tourism` command: serve, migrate, seed, synthetic data."""

from __future__ import annotations

import asyncio
import os

import typer

from api import migrations
from api.db import make_async_engine, make_session_factory, make_sync_engine
from api.settings import get_settings, is_loopback

app = typer.Typer(help="Smart-tourism backend: destinations, tours, QR audio guides.",
                  no_args_is_help=True, add_completion=False)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          reload: bool = False) -> None:
    """Serve the API (GraphQL at /graphql) with uvicorn."""
    import uvicorn

    if not os.environ.get("TOURISM_PUBLIC_BASE_URL"):
        # what QR codes and local media URLs encode follows where the server listens (the
        # app, imported by uvicorn, reads the same environment)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["TOURISM_PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
        get_settings.cache_clear()
    settings = get_settings()
    typer.echo(f"Serving on http://{host}:{port}/graphql ({settings.server.env})")
    if is_loopback(settings.server.public_base_url):
        typer.echo(f"warning: QR codes encode {settings.server.public_base_url}, which a phone "
                   "cannot open: set TOURISM_PUBLIC_BASE_URL to this machine's address on the "
                   "network (e.g. http://192.168.1.20:8000) and serve with --host 0.0.0.0",
                   err=True)
    # uvicorn rewrites the client address from X-Forwarded-For only when the settings trust
    # a proxy in front: otherwise a rotating header would give a client a bucket per request
    trusted = settings.server.trust_forwarded_for
    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, reload=reload,
                proxy_headers=trusted, forwarded_allow_ips="*" if trusted else None,
                log_level="info")


@app.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Migrate the database forward (to the latest revision by default)."""
    migrations.upgrade(get_settings().db.url, revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help='a revision, or "base"')) -> None:
    """Migrate the database back to a revision."""
    migrations.downgrade(get_settings().db.url, revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def seed(if_empty: bool = typer.Option(False, "--if-empty",
                                       help="only when there are no destinations yet")) -> None:
    """Load the demo data (destinations, tours, stops, QR codes)."""
    from api.media_store import store_for
    from api.seed import seed_all

    settings = get_settings()
    store = store_for(settings)

    async def run() -> int:
        engine = make_async_engine(settings.db.url)
        try:
            async with make_session_factory(engine)() as session:
                added = await seed_all(session=session, store=store, if_empty=if_empty)
                await session.commit()
                return added
        finally:
            await engine.dispose()

    added = asyncio.run(run())
    typer.echo(f"demo data: {added} destinations added" if added
               else "demo data: already loaded, nothing added")


@app.command("export-schema")
def export_schema(path: str = typer.Argument("schema.graphql")) -> None:
    """Write the GraphQL SDL that clients build against (committed as schema.graphql)."""
    from pathlib import Path

    from api.schema import build_schema

    Path(path).write_text(build_schema(production=False).as_str() + "\n", encoding="utf-8")
    typer.echo(f"wrote {path}")


@app.command()
def synthetic(count: int = typer.Option(10_000, min=1, max=5_000_000),
              seed: int = 7) -> None:
    """Add synthetic destinations spread over Vietnam (for benchmarks)."""
    from geo.synthetic import generate

    engine = make_sync_engine(get_settings().db.url)
    try:
        generate(engine, count, seed=seed)
    finally:
        engine.dispose()
    typer.echo(f"{count} synthetic destinations added")


def _register_account_commands() -> None:
    from api.auth.cli import accounts, api_keys

    app.add_typer(accounts, name="account")
    app.add_typer(api_keys, name="apikey")


_register_account_commands()


def _register_qr_commands() -> None:
    from api.qr_cli import qr_app

    app.add_typer(qr_app, name="qr")


_register_qr_commands()


def _register_panorama_commands() -> None:
    from api.tour_cli import panorama_app

    app.add_typer(panorama_app, name="panorama")


_register_panorama_commands()


def _register_feedback_commands() -> None:
    from api.feedback_cli import feedback_app

    app.add_typer(feedback_app, name="feedback")


_register_feedback_commands()


if __name__ == "__main__":
    app()
