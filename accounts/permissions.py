"""Who is acting: every service that changes or reveals non-public data checks the actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from accounts.errors import AuthErrorCode
from core.errors import DomainError


class Role(StrEnum):
    """What an actor may do."""

    ANONYMOUS = "anonymous"   # a tourist, a visitor scanning a QR code
    KIOSK = "kiosk"           # a kiosk or partner app with a read-only API key
    COUNTER = "counter"       # a site's people counter: posts that site's counts, nothing else
    REPORTING = "reporting"   # the IOC's key: reads the aggregate report, nothing private
    OWNER = "owner"           # a business that owns one or more listings
    EDITOR = "editor"         # department staff
    ADMIN = "admin"           # department staff managing accounts


STAFF = frozenset({Role.EDITOR, Role.ADMIN})
# The roles an account can have: tourists have no account, kiosks have API keys.
ACCOUNT_ROLES = frozenset({Role.OWNER, Role.EDITOR, Role.ADMIN})


class PermissionDenied(DomainError):
    """The actor may not do this (or the object is not theirs): FORBIDDEN."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(AuthErrorCode.FORBIDDEN, message, field=field)


class AuthenticationRequired(DomainError):
    """Signing in is needed: UNAUTHENTICATED."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(AuthErrorCode.UNAUTHENTICATED, message, field=field)


@dataclass(frozen=True, slots=True)
class Actor:
    """The account (or none) behind a request, with what it owns."""

    role: Role = Role.ANONYMOUS
    account_id: int | None = None
    destination_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        """Department staff (editor or admin)."""
        return self.role in STAFF


ANONYMOUS = Actor()


def require_signed_in(actor: Actor) -> Actor:
    """The actor, when it is an account; AuthenticationRequired otherwise."""
    if actor.account_id is None:
        raise AuthenticationRequired("sign in first")
    return actor


def require_staff(actor: Actor) -> Actor:
    """The actor, when it is department staff."""
    require_signed_in(actor)
    if not actor.is_staff:
        raise PermissionDenied("only department staff may do this")
    return actor


def require_reporting(actor: Actor) -> Actor:
    """The actor, when it may read the aggregate reports: staff, or a reporting API key."""
    if actor.role == Role.REPORTING:
        return actor
    return require_staff(actor)


def require_admin(actor: Actor) -> Actor:
    """The actor, when it is an administrator."""
    require_signed_in(actor)
    if actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators may do this")
    return actor


def require_owner_or_staff(actor: Actor, destination_id: int) -> Actor:
    """The actor, when it is staff or owns the destination (else FORBIDDEN, revealing nothing)."""
    require_signed_in(actor)
    if actor.is_staff or destination_id in actor.destination_ids:
        return actor
    raise PermissionDenied("this listing is not yours")
