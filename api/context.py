"""The typed context every resolver gets: session, loaders, settings, language, clock.

The session and the loaders are made when a resolver first asks for them: a read the fast
path answers from rows never builds fourteen dataloaders, and a request refused before it
runs opens no session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from accounts.permissions import ANONYMOUS, Actor
from accounts.service import Caller
from api.auth.middleware import ANONYMOUS_CALLER, AuthKit
from api.cursors import Cursors
from api.loaders import Loaders, make_loaders
from api.settings import Settings
from core.language import APP_LANGUAGE_HEADER, request_chain
from core.row_reads import RowReads, RowSource
from core.time import utcnow
from media.store import MediaStore


@dataclass
class Context:
    """What one GraphQL request works with."""

    #: Opens the request's session (the read-only sessionmaker for a read, when there is one).
    opener: Callable[[], AsyncSession]
    settings: Settings
    cursors: Cursors
    store: MediaStore
    actor: Actor = ANONYMOUS
    accept_language: str | None = None
    request: Request | None = None
    now: datetime = field(default_factory=utcnow)
    caller: Caller = ANONYMOUS_CALLER  # the actor with its sign-in session or API key
    auth: AuthKit | None = None
    #: Queues the ingest of an uploaded panorama (the local server's worker); None where the
    #: store's upload event starts the tiler (Lambda).
    ingest: Callable[[str], None] | None = None
    #: The fast path's plans of this operation's hot root fields, by response key
    #: (api/fastpath.py): their resolvers then read rows of the planned columns.
    row_plans: dict[str, Any] = field(default_factory=dict)
    #: PostgreSQL's reader of rows for those resolvers (core.row_reads), when the app has one.
    row_reads: RowReads | None = None
    _session: AsyncSession | None = field(default=None, repr=False)
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def session(self) -> AsyncSession:
        """The request's session, opened on first use."""
        if self._session is None:
            self._session = self.opener()
        return self._session

    @property
    def rows(self) -> RowSource:
        """What a read of rows without ORM objects runs on: the app's reader of rows, when
        there is one, else the request's session."""
        return self.row_reads if self.row_reads is not None else self.session

    @property
    def opened(self) -> AsyncSession | None:
        """The request's session if a resolver has opened it (what there is to close)."""
        return self._session

    @property
    def loaders(self) -> Loaders:
        """The request's dataloaders, on its session, made on first use."""
        if self._loaders is None:
            self._loaders = make_loaders(self.session)
        return self._loaders

    def chain(self, lang: str | None, inherited: tuple[str, ...] | None = None
              ) -> tuple[str, ...]:
        """The language chain for a field's `lang` argument (refused when malformed); without
        one, the chain the field inherits from its parent, else the request's: the app's
        X-Tourism-Language header (ignored when malformed), then Accept-Language."""
        if lang is None and inherited is not None:
            return inherited
        app = self.request.headers.get(APP_LANGUAGE_HEADER) if self.request is not None else None
        return request_chain(lang=lang, strict=True, headers={
            APP_LANGUAGE_HEADER: app or "", "accept-language": self.accept_language or ""})
