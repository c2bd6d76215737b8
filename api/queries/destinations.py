"""Query fields of destinations: lookups, lists and every spatial and text search."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.fastpath import row_columns, rows_answer
from api.types.common import (
    BBoxInput,
    GeoJSON,
    GeoPointInput,
    Lang,
    Node,
    int_key,
)
from api.types.connections import (
    DestinationCluster,
    DestinationConnection,
    NearbyDestinationConnection,
    cluster_of,
    cluster_scope,
    destination_connection,
    nearby_connection,
)
from api.types.destination import Destination, DestinationCategory, HeritageRanking
from core.paging import PageRequest, check_first
from geo import search as geo_search
from geo import spatial
from geo.geometry import check_buffer, check_radius, parse_area, parse_route
from geo.service import DestinationFilter as FilterValue
from geo.service import list_destinations

Info = strawberry.Info[Context, None]


@strawberry.input(description="What every destination query can narrow by.")
class DestinationFilter:
    categories: list[DestinationCategory] | None = None
    rankings: list[HeritageRanking] | None = None
    provinces: list[str] | None = strawberry.field(default=None,
                                                   description="Province codes.")
    open_now: bool | None = strawberry.field(
        default=None, description="Open (true) or closed (false) at the time of the request.")
    has_tour: bool | None = strawberry.field(
        default=None, description="With (true) or without (false) a published 360° tour.")
    has_audio: bool | None = strawberry.field(
        default=None, description="With (true) or without (false) an audio guide narration.")

    def value(self, info: Info) -> FilterValue:
        """The geo filter for this input."""
        return FilterValue(
            categories=tuple(c.value for c in self.categories or ()),
            rankings=tuple(r.value for r in self.rankings or ()),
            provinces=tuple(self.provinces or ()),
            open_now=self.open_now,
            has_tour=self.has_tour,
            has_audio=self.has_audio,
            now=info.context.now,
        )


def _filter(flt: DestinationFilter | None, info: Info) -> FilterValue:
    return flt.value(info) if flt else FilterValue(now=info.context.now)


def _page(info: Info, kind: str, first: int | None, after: str | None, arity: int) -> PageRequest:
    return PageRequest(first=check_first(first),
                       after=info.context.cursors.decode(kind, after, arity))


async def destination_by_id(info: Info, global_id: str, lang: str | None
                            ) -> Destination | None:
    """A published destination by its global id."""
    model = await info.context.loaders.destination.load(int_key(global_id, "Destination"))
    return Destination.from_model(model, info.context.chain(lang)) if model else None


@strawberry.type
class DestinationQueries:
    """Destinations and how to find them."""

    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID, lang: Lang = None) -> Node | None:
        from api.queries.node import resolve_node

        return await resolve_node(info, id, lang)

    @strawberry.field
    async def destination(self, info: Info, id: strawberry.ID,
                          lang: Lang = None) -> Destination | None:
        return await destination_by_id(info, id, lang)

    @strawberry.field(description="Published destinations in a stable order.")
    async def destinations(self, info: Info, filter: DestinationFilter | None = None,
                           first: int | None = None, after: str | None = None,
                           lang: Lang = None) -> DestinationConnection:
        chain = info.context.chain(lang)
        page = _page(info, "list", first, after, 1)
        found = await list_destinations(session=info.context.session,
                                        flt=_filter(filter, info), page=page)
        return destination_connection(found, info=info, kind="list", chain=chain,
                                      had_after=after is not None, model_of=lambda d: d)

    @strawberry.field(description="Destinations within radiusMeters, nearest first.")
    async def nearby_destinations(
        self, info: Info, near: GeoPointInput, radius_meters: float,
        filter: DestinationFilter | None = None, first: int | None = None,
        after: str | None = None, lang: Lang = None,
    ) -> NearbyDestinationConnection:
        chain = info.context.chain(lang)
        point, radius = near.checked(), check_radius(radius_meters)
        page = _page(info, "nearby", first, after, 2)
        columns = row_columns(info)
        found = await spatial.nearby_destinations(
            session=info.context.session if columns is None else info.context.rows,
            near=point, radius_m=radius, flt=_filter(filter, info), page=page, columns=columns)
        if columns is not None:
            return rows_answer(found, kind="nearby", chain=chain, had_after=after is not None,
                               stands_for=NearbyDestinationConnection)
        return nearby_connection(found, info=info, kind="nearby", chain=chain,
                                 had_after=after is not None)

    @strawberry.field(description="Destinations inside a bbox and/or a GeoJSON (Multi)Polygon, "
                      "nearest to its centre first.")
    async def destinations_in_area(
        self, info: Info, bbox: BBoxInput | None = None, polygon: GeoJSON | None = None,
        filter: DestinationFilter | None = None, first: int | None = None,
        after: str | None = None, lang: Lang = None,
    ) -> DestinationConnection:
        chain = info.context.chain(lang)
        box = bbox.checked() if bbox is not None else None
        area = parse_area(polygon) if polygon is not None else None
        page = _page(info, "area", first, after, 2)
        columns = row_columns(info)
        found = await spatial.destinations_in_area(
            session=info.context.session if columns is None else info.context.rows,
            bbox=box, area=area, flt=_filter(filter, info), page=page, columns=columns)
        if columns is not None:
            return rows_answer(found, kind="area", chain=chain, had_after=after is not None,
                               stands_for=DestinationConnection)
        return destination_connection(found, info=info, kind="area", chain=chain,
                                      had_after=after is not None, model_of=lambda d: d)

    @strawberry.field(description="Destinations within bufferMeters of a GeoJSON LineString, "
                      "in order along it.")
    async def destinations_along_route(
        self, info: Info, route: GeoJSON, buffer_meters: float,
        filter: DestinationFilter | None = None, first: int | None = None,
        after: str | None = None, lang: Lang = None,
    ) -> NearbyDestinationConnection:
        chain = info.context.chain(lang)
        line, buffer = parse_route(route), check_buffer(buffer_meters)
        page = _page(info, "route", first, after, 2)
        found = await spatial.destinations_along_route(
            session=info.context.session, route=line, buffer_m=buffer,
            flt=_filter(filter, info), page=page)
        return nearby_connection(found, info=info, kind="route", chain=chain,
                                 had_after=after is not None)

    @strawberry.field(description="Vietnamese-folded text search, one typo tolerated, best "
                      "first; `near` favours closer places.")
    async def search_destinations(
        self, info: Info, text: str, near: GeoPointInput | None = None,
        filter: DestinationFilter | None = None, first: int | None = None,
        after: str | None = None, lang: Lang = None,
    ) -> DestinationConnection:
        chain = info.context.chain(lang)
        point = near.checked() if near is not None else None
        page = _page(info, "search", first, after, 1)
        found = await geo_search.search_destinations(
            session=info.context.session, text=text, near=point, flt=_filter(filter, info),
            page=page)
        return destination_connection(found, info=info, kind="search", chain=chain,
                                      had_after=after is not None,
                                      model_of=lambda hit: hit.destination)

    @strawberry.field(description="Map markers: grid clusters of the destinations in a bbox.")
    async def destination_clusters(
        self, info: Info, bbox: BBoxInput, zoom: int,
        filter: DestinationFilter | None = None, lang: Lang = None,
    ) -> list[DestinationCluster]:
        chain = info.context.chain(lang)
        box, flt = bbox.checked(), _filter(filter, info)
        clusters = await spatial.destination_clusters(
            session=info.context.session, bbox=box, zoom=zoom, flt=flt)
        scope = cluster_scope(flt, box)
        singles = await info.context.loaders.destination.load_many(
            [c.destination_id for c in clusters if c.destination_id is not None])
        by_id = {d.id: d for d in singles if d is not None}
        return [
            cluster_of(c, zoom, scope, Destination.from_model(by_id[c.destination_id], chain)
                       if c.destination_id in by_id else None)
            for c in clusters
        ]
