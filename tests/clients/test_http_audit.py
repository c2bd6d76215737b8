"""The graphql-http audit of the GraphQL-over-HTTP spec (npm `graphql-http`, `auditServer`)
against the app on a live server: every audit ok, no MUST failure and no SHOULD warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.http_server import live_server, run_node


def test_the_graphql_http_audit_passes_61_of_61(database_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with live_server(database_url, tmp_path) as base:
        tally = run_node("http_audit.mjs", f"{base}/graphql")
    with capsys.disabled():
        print(f"\ngraphql-http audit: {tally['ok']} of {tally['total']} ok, "
              f"{tally['error']} MUST failures, {tally['warn']} SHOULD warnings, "
              f"{tally['notice']} MAY notices")
    assert tally["failures"] == []
    assert (tally["total"], tally["ok"]) == (61, 61)
