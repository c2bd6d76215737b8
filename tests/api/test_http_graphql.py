"""GraphQL over HTTP: the media type of an answer by the client's Accept, the status of
request errors in each, our own refusals (401, 413, 415) as GraphQL responses, 405 and 406,
Cache-Control and Vary of GET answers, and the CORS preflight of the documented headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.app import create_app
from api.graphql_http import request_error_status, response_media_type
from api.settings import Settings
from tests.accounts.helpers import add_person
from tests.api.test_catalogue import DEEP
from tests.api.test_cost import COSTLY
from tests.api.test_hardening import UNREACHABLE, settings_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"
LIST = "{ destinations(first: 2) { edges { node { id name } } } }"
PAGE = "query Page($n: Int!) { destinations(first: $n) { edges { node { id } } } }"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/json"),
    ("*/*", "application/json"),
    ("application/*", "application/json"),
    ("application/json", "application/json"),
    (APOLLO_ACCEPT, GRAPHQL_RESPONSE),
    ("application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
    ("application/json;q=1, application/graphql-response+json;q=0.5", "application/json"),
    ("application/graphql-response+json;q=0, */*", "application/json"),
    ("text/html, */*;q=0.8", "application/json"),
    ("text/plain", None),
    ("application/json;q=0", None),
])
def test_the_media_type_follows_the_clients_preference(accept: str | None,
                                                      expected: str | None) -> None:
    assert response_media_type(accept) == expected


def error(code: str, path: list[str] | None = None) -> dict[str, Any]:
    return {"message": code, "extensions": {"code": code}, **({"path": path} if path else {})}


@pytest.mark.parametrize(("answer", "status"), [
    ({"data": None, "errors": [error("GRAPHQL_PARSE_FAILED")]}, 400),
    ({"data": None, "errors": [error("SERVICE_BUSY")]}, 503),
    ({"data": None, "errors": [error("SERVICE_BUSY"), error("QUERY_TOO_COSTLY")]}, 400),
    # ran: a timeout, a non-null root field that failed, a partial answer, a whole one
    ({"data": None, "errors": [error("OPERATION_TIMEOUT")]}, None),
    ({"data": None, "errors": [error("INVALID_ID", ["destination"])]}, None),
    ({"data": {"a": None}, "errors": [error("INVALID_ID", ["a"])]}, None),
    ({"data": {"a": 1}}, None),
])
def test_the_status_of_a_request_error(answer: dict[str, Any], status: int | None) -> None:
    assert request_error_status(answer) == status


async def test_an_answer_in_graphql_response_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": LIST},
                                 headers={"accept": APOLLO_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert len(response.json()["data"]["destinations"]["edges"]) == 2


REQUEST_ERRORS = [
    ("parse", {"query": "{"}, "GRAPHQL_PARSE_FAILED"),
    ("validation", {"query": "{ nothingHere }"}, "GRAPHQL_VALIDATION_FAILED"),
    ("variables", {"query": PAGE, "variables": {"n": "many"}}, "BAD_USER_INPUT"),
    ("missing variable", {"query": PAGE}, "BAD_USER_INPUT"),
    ("unknown operation", {"query": PAGE, "operationName": "Other", "variables": {"n": 1}},
     "BAD_REQUEST"),
    ("too deep", {"query": DEEP}, "QUERY_TOO_DEEP"),
    ("too costly", {"query": COSTLY}, "QUERY_TOO_COSTLY"),
]


@pytest.mark.parametrize(("name", "body", "code"), REQUEST_ERRORS,
                         ids=[r[0] for r in REQUEST_ERRORS])
async def test_request_errors_are_400_without_data_in_graphql_response_json(
        client: httpx.AsyncClient, name: str, body: dict[str, Any], code: str) -> None:
    modern = await client.post("/graphql", json=body, headers={"accept": APOLLO_ACCEPT})
    assert modern.status_code == 400, modern.text
    assert media_type(modern) == GRAPHQL_RESPONSE
    assert "data" not in modern.json() and codes(modern.json())[:1] == [code]
    assert modern.headers["cache-control"] == "no-store"
    # the legacy media type keeps its behaviour: 200, data null, the same errors
    legacy = await client.post("/graphql", json=body, headers={"accept": "application/json"})
    assert legacy.status_code == 200 and media_type(legacy) == "application/json"
    assert legacy.json()["data"] is None and codes(legacy.json()) == codes(modern.json())


async def test_a_field_error_is_a_partial_answer_with_200(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", headers={"accept": APOLLO_ACCEPT}, json={
        "query": '{ destination(id: "not-an-id") { id } destinations(first: 1) '
                 '{ edges { node { id } } } }'})
    body = response.json()
    assert response.status_code == 200 and codes(body) == ["INVALID_ID"]
    assert body["data"]["destination"] is None and body["data"]["destinations"]["edges"]


async def test_a_bad_token_is_a_graphql_response_with_401(client: httpx.AsyncClient) -> None:
    headers = {"authorization": "Bearer not-a-token"}
    modern = await client.post("/graphql", json={"query": LIST},
                               headers={**headers, "accept": APOLLO_ACCEPT})
    assert modern.status_code == 401 and media_type(modern) == GRAPHQL_RESPONSE
    assert modern.json() == {"errors": [{"message": "the access token is not valid",
                                         "extensions": {"code": "INVALID_TOKEN"}}]}
    assert modern.headers["www-authenticate"].startswith("Bearer")
    legacy = await client.post("/graphql", json={"query": LIST}, headers=headers)
    assert legacy.status_code == 401 and media_type(legacy) == "application/json"
    assert legacy.json()["data"] is None and codes(legacy.json()) == ["INVALID_TOKEN"]


@pytest.mark.parametrize(("content", "content_type", "status", "code"), [
    (b'{"query": "{ __typename }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    (b'{"query": "' + b" " * 300_000 + b'"}', "application/json", 413, "PAYLOAD_TOO_LARGE"),
    (b"NONSENSE", "application/json", 400, "INVALID_JSON"),
    (b'{"query": "{ __typename }", "operationName": {"a": 1}}', "application/json", 400,
     "BAD_REQUEST"),
    (b'{"query": ["{ __typename }"]}', "application/json", 400, "BAD_REQUEST"),
    (b'{"variables": {}}', "application/json", 400, "BAD_REQUEST"),
])
async def test_malformed_requests_are_coded_graphql_responses(
        client: httpx.AsyncClient, content: bytes, content_type: str, status: int,
        code: str) -> None:
    response = await client.post("/graphql", content=content, headers={
        "content-type": content_type, "accept": APOLLO_ACCEPT})
    assert response.status_code == status, response.text
    assert media_type(response) == GRAPHQL_RESPONSE
    assert "data" not in response.json() and codes(response.json()) == [code]


async def test_a_mutation_as_get_is_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { logout }"},
                                headers={"accept": APOLLO_ACCEPT})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert codes(response.json()) == ["METHOD_NOT_ALLOWED"]


async def test_an_accept_naming_neither_media_type_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": LIST},
                                 headers={"accept": "text/plain"})
    assert response.status_code == 406 and media_type(response) == "application/json"
    assert codes(response.json()) == ["NOT_ACCEPTABLE"]


def vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",")}


async def test_a_public_get_may_be_cached_and_varies_with_the_language(
        client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": LIST},
                                headers={"accept-language": "en"})
    assert response.status_code == 200 and response.json()["data"]["destinations"]["edges"]
    assert response.headers["cache-control"] == "public, max-age=60"
    assert {"accept", "accept-language", "x-tourism-language", "authorization",
            "x-api-key"} <= vary(response)


@pytest.mark.parametrize("query", ["{ nothingHere }", '{ destination(id: "x") { id } }'])
async def test_a_get_with_errors_is_not_stored(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get("/graphql", params={"query": query})
    assert response.json()["errors"] and response.headers["cache-control"] == "no-store"


async def test_a_signed_in_get_and_every_post_are_not_stored(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await add_person(session, "editor")
    signed_in = await client.get("/graphql", params={"query": LIST}, headers=editor.headers)
    assert signed_in.status_code == 200 and signed_in.json()["data"]
    assert signed_in.headers["cache-control"] == "no-store"
    posted = await client.post("/graphql", json={"query": LIST})
    assert posted.status_code == 200 and posted.headers["cache-control"] == "no-store"
    assert "accept-language" in vary(posted)


@pytest.fixture
async def cors_client(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                      connection: AsyncConnection, tmp_path: Path) -> Any:
    settings.server.cors_origins = ["https://app.example.vn"]
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as c:
        yield c


DOCUMENTED = ["content-type", "accept", "accept-language", "x-tourism-language",
              "authorization", "x-api-key", "apollographql-client-name",
              "apollographql-client-version"]


async def test_a_preflight_admits_the_documented_headers(cors_client: httpx.AsyncClient
                                                         ) -> None:
    preflight = await cors_client.options("/graphql", headers={
        "origin": "https://app.example.vn", "access-control-request-method": "POST",
        "access-control-request-headers": ", ".join(DOCUMENTED)})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.vn"
    allowed = {h.strip().lower() for h in
               preflight.headers["access-control-allow-headers"].split(",")}
    assert set(DOCUMENTED) <= allowed
    refused = await cors_client.options("/graphql", headers={
        "origin": "https://app.example.vn", "access-control-request-method": "POST",
        "access-control-request-headers": "x-something-else"})
    assert refused.status_code == 400
    answer = await cors_client.post("/graphql", content=json.dumps({"query": LIST}), headers={
        "origin": "https://app.example.vn", "content-type": "application/json",
        "x-tourism-language": "en"})
    assert answer.headers["access-control-allow-origin"] == "https://app.example.vn"
    assert "retry-after" in answer.headers["access-control-expose-headers"].lower()
    assert "origin" in vary(answer)


IDE_FILES = ["graphiql/graphiql.min.js", "graphiql/graphiql.min.css",
             "react/react.production.min.js", "react-dom/react-dom.production.min.js",
             "graphiql-page.js", "graphiql-page.css"]


@pytest.mark.parametrize("env", ["development", "production"])
async def test_graphiql_files_are_served_from_npm_in_development_only(
        tmp_path: Path, sessions: async_sessionmaker[AsyncSession],
        connection: AsyncConnection, env: str) -> None:
    settings = settings_for(tmp_path, env=env, database_url=UNREACHABLE)
    app = create_app(settings, engine=connection.engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as c:
        for name in IDE_FILES:
            response = await c.get(f"/assets/{name}")
            if env == "production":
                assert response.status_code == 404, name
            else:
                assert response.status_code == 200, name
                assert response.headers["content-type"].startswith(("text/javascript",
                                                                    "text/css"))
        page = await c.get("/graphql", headers={"accept": "text/html"})
    if env == "development":
        assert "unpkg" not in page.text and "/assets/graphiql/graphiql.min.js" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
