"""Relay's `node(id)`: any object by its global id, with the same access rules as its own
query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from api.context import Context
from api.queries.destinations import destination_by_id
from api.queries.listings import listing_change_by_id
from api.queries.qr import stop_by_id
from api.queries.tours import panorama_by_id, scene_by_id, tour_by_id
from api.types.common import InvalidId, Node, from_global_id

Info = strawberry.Info[Context, None]
Resolver = Callable[[Info, str, str | None], Awaitable[Node | None]]

RESOLVERS: dict[str, Resolver] = {
    "Destination": destination_by_id,
    "Tour": tour_by_id,
    "Scene": scene_by_id,
    "Panorama": panorama_by_id,
    "Stop": stop_by_id,
    "ListingChange": listing_change_by_id,
}


async def resolve_node(info: Info, global_id: str, lang: str | None) -> Node | None:
    """The object a global id names; INVALID_ID for a type that has no node."""
    type_name, _ = from_global_id(global_id)
    resolver = RESOLVERS.get(type_name)
    if resolver is None:
        raise InvalidId(f"{global_id!r} is not a valid id", field="id")
    return await resolver(info, global_id, lang)
