"""The Lambda entry point answers an API Gateway HTTP API (v2) event carrying GraphQL."""

import asyncio
import base64
import importlib
import json
import sys
from typing import Any

import pytest
from sqlalchemy import event

from geo.folding import fold

QUERY = """{ searchDestinations(text: "kim lien", first: 1, lang: "en") {
  edges { node { name nameLang } } } }"""


def http_api_event(body: str) -> dict[str, Any]:
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/graphql", "rawQueryString": "",
        "headers": {"content-type": "application/json", "accept-language": "en",
                    "host": "abc123.execute-api.ap-southeast-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName":
            "abc123.execute-api.ap-southeast-1.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": "POST", "path": "/graphql", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "23/Nov/2026:10:00:00 +0000", "timeEpoch": 1795000000000,
        },
        "body": base64.b64encode(body.encode()).decode(), "isBase64Encoded": True,
    }


def test_lambda_handler_answers_graphql(database_url: str, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.setenv("TOURISM_DATABASE_URL", database_url)
    monkeypatch.setenv("TOURISM_SECRET_KEY", "lambda-test-secret-key-0123456789abcdef")
    from api.settings import get_settings

    get_settings.cache_clear()
    sys.modules.pop("api.lambda_handler", None)
    module = importlib.import_module("api.lambda_handler")
    engine = module.app.state.engine
    pool = {"connect": 0, "checkout": 0}
    for name in pool:
        event.listen(engine.sync_engine, name,
                     lambda *_args, name=name: pool.__setitem__(name, pool[name] + 1))
    try:
        answer = module.handler(http_api_event(json.dumps({"query": QUERY})), None)
        assert answer["statusCode"] == 200
        body = json.loads(answer["body"])
        node = body["data"]["searchDestinations"]["edges"][0]["node"]
        assert node["nameLang"] == "en" and "kim lien" in fold(node["name"])
        first = dict(pool)
        assert first["connect"] >= 1 and first["checkout"] >= 1
        # a second invocation reuses the container's engine and its pooled connections
        again = module.handler(http_api_event(json.dumps({"query": QUERY})), None)
        assert json.loads(again["body"]) == body
        assert module.app.state.engine is engine
        assert pool["checkout"] > first["checkout"]  # it did use the database
        assert pool["connect"] == first["connect"]  # through a connection already open
    finally:
        loop = asyncio.get_event_loop()  # Mangum's loop, where the pooled connections live
        loop.run_until_complete(module.app.state.engine.dispose())
        loop.close()
        asyncio.set_event_loop(None)
        get_settings.cache_clear()
        sys.modules.pop("api.lambda_handler", None)
