"""The HTTP surface: health, GraphiQL in development only, settings that refuse placeholders."""

import httpx
import pytest
from pydantic import ValidationError

from api.settings import AuthSettings, DatabaseSettings, ServerSettings, Settings


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_get_queries_work_for_caches(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ destinations(first: 1) { "
                                                    "edges { node { id } } } }"})
    assert response.status_code == 200
    assert len(response.json()["data"]["destinations"]["edges"]) == 1


@pytest.mark.parametrize("secret", ["", "changeme", "dev-secret-key", "short"])
def test_production_refuses_placeholder_secrets(secret: str) -> None:
    with pytest.raises(ValidationError):
        Settings(server=ServerSettings(env="production"), auth=AuthSettings(secret_key=secret),
                 db=DatabaseSettings(url="postgresql+psycopg://u@db/tourism"))


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ValidationError):
        Settings(server=ServerSettings(env="production"), auth=AuthSettings(secret_key="x" * 40),
                 db=DatabaseSettings(url="sqlite:///x.sqlite"))
