"""`tourism account ...` and `tourism apikey ...`: bootstrap staff, owners and kiosk keys."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import service
from accounts.errors import AuthError, AuthErrorCode
from api.db import make_async_engine, make_session_factory
from api.settings import get_settings
from geo.listings import owners
from geo.service import find_destination

T = TypeVar("T")
accounts = typer.Typer(help="Accounts of department staff and business owners.",
                       no_args_is_help=True)
api_keys = typer.Typer(help="Read-only API keys of kiosks and partner apps.",
                       no_args_is_help=True)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_async_engine(get_settings().db.url)
        try:
            async with make_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except AuthError as exc:
        typer.echo(f"refused: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from exc


@accounts.command("create")
def create(
    email: Annotated[str, typer.Option(help="The e-mail the person signs in with.")],
    role: Annotated[str, typer.Option(help="owner, editor or admin.")],
    name: Annotated[str, typer.Option(help="The name shown to staff.")] = "",
    listing: Annotated[list[str] | None, typer.Option(
        help="Slug of a listing an owner keeps (repeatable).")] = None,
) -> None:
    """Create an account; the password comes from TOURISM_NEW_PASSWORD or a prompt."""
    password = os.environ.get("TOURISM_NEW_PASSWORD") or typer.prompt(
        "Password (12+ characters)", hide_input=True, confirmation_prompt=True)

    slugs = listing or []

    async def work(session: AsyncSession) -> int:
        account = await owners.create_account_with_listings(
            session=session, email=email, password=password, role=role,
            display_name=name or email, listing_slugs=slugs)
        return account.id

    account_id = _run(work)
    typer.echo(f"account {account_id} created: {email} ({role})")


@api_keys.command("create")
def create_key(name: Annotated[str, typer.Option(help="Which kiosk or partner app it is for.")],
               counter_for: Annotated[str | None, typer.Option(
                   help="A people counter's key instead: the slug of the one site it posts "
                   "counts for (it can do nothing else).")] = None,
               reporting: Annotated[bool, typer.Option(
                   help="The IOC's key instead: it reads the aggregate report (iocReport) "
                   "and nothing private.")] = False) -> None:
    """Create a read-only API key (or a site's counter key, or a reporting key); it is printed
    once, keep it."""
    async def work(session: AsyncSession) -> str:
        site = None
        if counter_for is not None:
            found = await find_destination(session=session, slug_or_id=counter_for)
            if found is None:
                raise AuthError(AuthErrorCode.INVALID_ACCOUNT, f"no site {counter_for!r}")
            site = found.id
        _, key = await service.create_api_key(session=session, actor=None, name=name,
                                              counter_for=site, reporting=reporting)
        return key

    typer.echo(_run(work))
