"""GraphQL types of accounts, sign-in tokens and API keys."""

from __future__ import annotations

from enum import StrEnum
from typing import cast

import strawberry

from accounts import models
from accounts.permissions import ACCOUNT_ROLES, Role
from api.types.common import to_global_id

# The roles an account can have, as the domain's Role names them and in its order.
AccountRole = strawberry.enum(
    cast("type[StrEnum]", StrEnum("AccountRole", [(role.name, role.value) for role in Role
                                                  if role in ACCOUNT_ROLES])),
    name="AccountRole", description="Department staff (EDITOR, ADMIN) or a business OWNER.")


@strawberry.type(description="A signed-in person: department staff or a business owner.")
class Account:
    model: strawberry.Private[models.Account]

    @classmethod
    def from_model(cls, model: models.Account) -> Account:
        """The GraphQL view of an account."""
        return cls(model=model)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("Account", self.model.id)

    @strawberry.field
    def email(self) -> str:
        return self.model.email

    @strawberry.field
    def display_name(self) -> str:
        return self.model.display_name

    @strawberry.field(graphql_type=AccountRole)
    def role(self) -> StrEnum:
        return AccountRole(self.model.role)


@strawberry.type(description="Tokens after signing in or refreshing: send the access token as "
                 "`Authorization: Bearer ...`; keep the refresh token to get new ones.")
class AuthPayload:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int = strawberry.field(description="Seconds the access token stays valid.")
    account: Account


@strawberry.type(description="A new read-only API key: `key` is shown this once only.")
class ApiKeyCreated:
    id: strawberry.ID
    name: str
    key: str
