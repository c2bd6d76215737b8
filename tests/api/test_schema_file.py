"""The committed schema.graphql is what the code serves (regenerate: tourism export-schema)."""

from api.schema import build_schema
from tests.conftest import ROOT


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema(production=False).as_str() + "\n", (
        "schema.graphql is stale: run `.venv/bin/tourism export-schema`")
