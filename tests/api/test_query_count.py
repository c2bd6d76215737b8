"""No N+1: a page of 50 destinations with nested fields costs a pinned number of statements."""

import httpx

from tests.conftest import StatementCounter, graphql

PAGE = """
query Page($first: Int!) {
  destinations(first: $first) {
    edges { cursor node {
      id name nameLang slug category heritageRanking district
      description { text lang } address { text lang }
      province { code name }
      location { lat lng }
      openNow
      openingHours { timezone alwaysOpen periods { weekday opens closes } }
      prices { amountVnd label { text } }
      contact { phone website } accessibility { wheelchair }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_page_of_50_with_nested_fields_is_three_statements(
    client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    body = await graphql(client, PAGE, {"first": 50})
    assert "errors" not in body, body
    assert len(body["data"]["destinations"]["edges"]) == 50
    provinces = {e["node"]["province"]["code"] for e in body["data"]["destinations"]["edges"]}
    assert len(provinces) >= 2
    # destinations, their provinces, their opening periods (savepoints aside)
    queries = [s for s in count_statements.statements
               if not s.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert len(queries) == 3, queries


async def test_statement_count_does_not_grow_with_page_size(
    client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    await graphql(client, PAGE, {"first": 5})
    small = count_statements.count
    count_statements.statements.clear()
    await graphql(client, PAGE, {"first": 60})
    assert count_statements.count == small
