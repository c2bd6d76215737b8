"""Sign in, refresh, sign out, and kiosk API keys."""

from __future__ import annotations

import strawberry

from accounts import service as auth_service
from accounts.errors import AuthError, AuthErrorCode
from accounts.permissions import require_signed_in
from api.auth.middleware import AuthKit
from api.auth.sign_in import throttled_login
from api.context import Context
from api.ratelimit import client_address
from api.types.account import Account, ApiKeyCreated, AuthPayload
from api.types.common import int_key, to_global_id
from geo.errors import GeoError, GeoErrorCode

Info = strawberry.Info[Context, None]


def _kit(info: Info) -> AuthKit:
    kit = info.context.auth
    assert kit is not None, "the app gives every request its AuthKit"
    return kit


def _payload(pair: auth_service.TokenPair) -> AuthPayload:
    return AuthPayload(access_token=pair.access_token, refresh_token=pair.refresh_token,
                       token_type="Bearer", expires_in=pair.expires_in,
                       account=Account.from_model(pair.account))


@strawberry.type
class AuthMutations:
    """Credentials of staff, owners and kiosks."""

    @strawberry.mutation(description="Signs in with e-mail and password; too many failures for "
                         "one e-mail are refused for a while (LOGIN_THROTTLED).")
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        kit = _kit(info)
        request = info.context.request
        address = client_address(request.scope, trust_forwarded_for=kit.trust_forwarded_for
                                 ) if request is not None else "unknown"
        pair = await throttled_login(kit=kit, session=info.context.session, email=email,
                                     password=password, address=address, now=info.context.now)
        return _payload(pair)

    @strawberry.mutation(description="New tokens for a refresh token, which is used up. Using it "
                         "again revokes the whole sign-in (TOKEN_REUSED).")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        kit = _kit(info)
        try:
            pair = await auth_service.refresh(
                session=info.context.session, signer=kit.signer, refresh_token=refresh_token,
                now=info.context.now, refresh_ttl_s=kit.refresh_ttl_s)
        except AuthError as exc:
            if exc.code == AuthErrorCode.TOKEN_REUSED:
                await info.context.session.commit()  # the revocation must stick
            raise
        await info.context.session.commit()
        return _payload(pair)

    @strawberry.mutation(description="Signs out: the access and refresh tokens of this sign-in "
                         "stop working.")
    async def logout(self, info: Info) -> bool:
        require_signed_in(info.context.actor)
        session_id = info.context.caller.session_id
        if session_id is None:
            return False
        await auth_service.logout(session=info.context.session, session_id=session_id,
                                  now=info.context.now)
        await info.context.session.commit()
        return True

    @strawberry.mutation(description="A read-only API key for a kiosk or partner app, or with "
                         "counterFor the key of one site's people counter, or with reporting "
                         "the IOC's key that reads iocReport and nothing private (admins).")
    async def create_api_key(self, info: Info, name: str,
                             counter_for: strawberry.ID | None = None,
                             reporting: bool = False) -> ApiKeyCreated:
        site = int_key(counter_for, "Destination") if counter_for else None
        if site is not None and await info.context.loaders.listing_destination.load(site) is None:
            raise GeoError(GeoErrorCode.DESTINATION_NOT_FOUND, "no such site",
                           field="counterFor")
        api_key, key = await auth_service.create_api_key(
            session=info.context.session, actor=info.context.actor, name=name,
            counter_for=site, reporting=reporting)
        await info.context.session.commit()
        return ApiKeyCreated(id=to_global_id("ApiKey", api_key.id), name=api_key.name, key=key)

    @strawberry.mutation(description="Revokes an API key (admins).")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> bool:
        done = await auth_service.revoke_api_key(
            session=info.context.session, actor=info.context.actor,
            api_key_id=int_key(id, "ApiKey"), now=info.context.now)
        await info.context.session.commit()
        return done
