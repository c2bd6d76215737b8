"""A client's mistakes are logged as one line each at INFO, without a traceback: a small
request with 30 bad ids writes a few lines, not kilobytes of stacks."""

from __future__ import annotations

import logging

import httpx
import pytest

QUERY = "{ " + " ".join(f'n{i}: node(id: "not-an-id-{i}") {{ id }}' for i in range(30)) + " }"


async def test_thirty_bad_ids_are_thirty_short_lines(client: httpx.AsyncClient,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        answer = await client.post("/graphql", json={"query": QUERY})
    codes = [e["extensions"]["code"] for e in answer.json()["errors"]]
    assert codes == ["INVALID_ID"] * 30
    refused = [r for r in caplog.records if "refused INVALID_ID" in r.getMessage()]
    assert len(refused) == 30 and all(r.levelno == logging.INFO for r in refused)
    assert not any(r.exc_info for r in caplog.records), "a client's mistake has no traceback"
    logged = sum(len(caplog.handler.format(r)) for r in caplog.records)
    assert logged < 30 * 300, logged  # 81 KB of tracebacks before
