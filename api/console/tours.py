"""The console's 360° tours of a destination (staff): create a tour, give it titles, upload
panoramas and follow their ingest, add a scene from a READY panorama, reorder the scenes and
delete with a confirmation. Uploads take the one upload flow (media/uploads.py): the page's
script posts the file straight to the store's presigned POST with a progress bar; without
JavaScript the console receives a small file itself and hands it to the same flow (a pending
upload, the store, the claim, the tiler: api/console/tour_uploads.py). The scene page
(placing hotspots in the viewer) is api/console/tour_scenes.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.app import Posted
from api.console.render import View, page, see_other
from api.console.words import N_
from core.errors import DomainError
from core.language import pick_text
from geo.geometry import GeoPoint
from geo.service import get_destination
from media import service as media_service
from media.models import Panorama
from tours import service as tour_service
from tours import tour_edits
from tours.models import Tour

if TYPE_CHECKING:
    from api.console.app import Console

#: The largest panorama the console receives itself, in MB (a form posted without
#: JavaScript; an API Gateway request carries at most 6 MB). With JavaScript the file goes
#: straight to the store.
MAX_DIRECT_MB = 4
#: The words of a panorama's ingest status.
STATUS_WORDS = {"pending": N_("Being tiled"), "ready": N_("Ready"), "failed": N_("Failed")}
_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def texts_of(fields: dict[str, str], name: str) -> dict[str, str]:
    """The texts per language of a form (`{name}_{lang}` fields; an empty one is left out)."""
    prefix = f"{name}_"
    return {key[len(prefix):]: value.strip() for key, value in fields.items()
            if key.startswith(prefix) and _TAG.match(key[len(prefix):]) and value.strip()}


def text_languages(view: View, *texts: dict[str, str]) -> list[str]:
    """The languages a text form shows: the console's, then any other a text has."""
    found = [view.lang, *(lang for lang in ("vi", "en") if lang != view.lang)]
    for text in texts:
        found += [lang for lang in text if lang not in found]
    return found


def number(value: str | None) -> float | None:
    """A number typed in a form: None when empty, NaN (refused by the service) when not one."""
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return float("nan")


def not_found(view: View) -> Response:
    """The page of something that is not there."""
    return page(view, "not_found.html", status=404, title=view.gettext("Not found"))


def routes(console: Console) -> list[Route]:
    """The routes of the tours section (and of its scenes' pages)."""
    from api.console import tour_scenes, tour_uploads

    views = TourViews(console)
    return [Route("/destinations/{id:int}/tours", views.index, methods=["GET"]),
            Route("/destinations/{id:int}/tours", views.create, methods=["POST"]),
            Route("/tours/{id:int}", views.tour, methods=["GET"]),
            Route("/tours/{id:int}", views.change, methods=["POST"]),
            Route("/tours/{id:int}/delete", views.confirm_delete, methods=["GET"]),
            Route("/tours/{id:int}/delete", views.delete, methods=["POST"]),
            *tour_uploads.routes(console, views),
            *tour_scenes.routes(console)]


class TourViews:
    """Pages of the tours section."""

    def __init__(self, console: Console):
        self.console = console

    def _chain(self, view: View) -> tuple[str, ...]:
        return (view.lang, "vi", "en")

    async def index(self, request: Request, *, error: DomainError | None = None,
                    values: dict[str, str] | None = None, status: int = 200) -> Response:
        """A destination's tours and the form of a new one."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            destination = await get_destination(session=session, destination_id=destination_id,
                                                include_drafts=True)
            if destination is None:
                return not_found(view)
            tours = await tour_edits.tours_of_destination(
                session=session, actor=view.actor, destination_id=destination_id)
            scenes = await tour_service.scenes_of_tours(session=session,
                                                        tour_ids=[t.id for t in tours])
        chain = self._chain(view)
        rows = [{"id": t.id, "slug": t.slug, "title": pick_text(t.title, chain),
                 "scenes": len(scenes.get(t.id, []))} for t in tours]
        name = pick_text(destination.name, chain) or destination.slug
        return page(view, "tours.html", status=status, title=view.gettext(
            "360° tours of {name}", name=name), tours=rows, destination_id=destination_id,
            error=error, values=values or {"slug": f"{destination.slug}-360"},
            languages_of_text=text_languages(view))

    async def create(self, request: Request) -> Response:
        """Creates a tour of the destination; a refusal shows the form again, writing
        nothing."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view, fields = posted
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                tour = await tour_service.create_tour(
                    session=session, actor=view.actor,
                    destination_id=int(request.path_params["id"]),
                    slug=fields.get("slug", "").strip(), title=texts_of(fields, "title"))
            except DomainError as exc:
                await session.rollback()
                return await self.index(request, error=exc, values=fields, status=400)
            await session.commit()
            return see_other(view, f"/console/tours/{tour.id}")

    async def tour_page(self, view: View, tour: Tour, session: Any, *,
                         error: str | None = None, status: int = 200) -> Response:
        assert view.actor is not None
        chain = self._chain(view)
        scenes = (await tour_service.scenes_of_tours(session=session, tour_ids=[tour.id])
                  ).get(tour.id, [])
        found = await media_service.get_panoramas(session=session,
                                                  ids=[s.panorama_id for s in scenes])
        status_of = {p.id: p for p in found if p is not None}
        waiting = await tour_edits.unplaced_panoramas(session=session, actor=view.actor)
        rows = [{"id": s.id, "position": s.position + 1, "title": pick_text(s.title, chain),
                 "panorama": s.panorama_id,
                 "status": status_of[s.panorama_id].status if s.panorama_id in status_of
                 else "failed"} for s in scenes]
        return page(view, "tour.html", status=status, title=pick_text(tour.title, chain)
                    or tour.slug, tour=tour, scenes=rows, error=error,
                    panoramas=[self._panorama(p) for p in waiting],
                    ready=[p for p in waiting if p.ready], status_words=STATUS_WORDS,
                    languages_of_text=text_languages(view, tour.title),
                    max_direct_mb=MAX_DIRECT_MB,
                    destination_id=tour.destination_id)

    @staticmethod
    def _panorama(panorama: Panorama) -> dict[str, Any]:
        return {"id": panorama.id, "status": panorama.status, "failure": panorama.failure,
                "width": panorama.width, "height": panorama.height}

    async def tour(self, request: Request) -> Response:
        """A tour: its titles, its scenes in order, the panoramas waiting for a scene."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                tour = await tour_edits.get_tour(session=session, actor=view.actor,
                                                 tour_id=int(request.path_params["id"]))
            except DomainError:
                return not_found(view)
            return await self.tour_page(view, tour, session)

    async def change(self, request: Request) -> Response:
        """Saves the titles, adds a scene from a panorama or moves one; a refusal writes
        nothing."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view, fields = posted
        assert view.actor is not None
        actor, tour_id, action = view.actor, int(request.path_params["id"]), fields.get("action")
        async with self.console.sessions() as session:
            try:
                tour = await tour_edits.get_tour(session=session, actor=actor, tour_id=tour_id)
            except DomainError:
                return not_found(view)
            try:
                if action == "update":
                    await tour_edits.update_tour(session=session, actor=actor, tour_id=tour_id,
                                                 title=texts_of(fields, "title"))
                elif action == "add_scene":
                    place = await get_destination(session=session,
                                                  destination_id=tour.destination_id,
                                                  include_drafts=True)
                    assert place is not None  # a tour's destination (deleted with it)
                    await tour_service.add_scene(
                        session=session, actor=actor, tour_id=tour_id,
                        scene=tour_service.NewScene(
                            panorama_id=_id(fields.get("panorama")),
                            title=texts_of(fields, "title"),
                            location=GeoPoint(lat=place.lat, lng=place.lng)))
                elif action == "move" and fields.get("scene", "").isdigit():
                    scene = await tour_edits.get_scene(session=session, actor=actor,
                                                       scene_id=int(fields["scene"]))
                    if scene.tour_id != tour_id:
                        return not_found(view)
                    await tour_edits.move_scene(session=session, actor=actor,
                                                scene_id=scene.id,
                                                by=-1 if fields.get("by") == "up" else 1)
                else:
                    return page(view, "refused.html", status=400,
                                title=view.gettext("Not allowed"))
            except DomainError as exc:
                await session.rollback()
                tour = await tour_edits.get_tour(session=session, actor=actor, tour_id=tour_id)
                return await self.tour_page(view, tour, session, error=exc.message,
                                             status=400)
            await session.commit()
        return see_other(view, f"/console/tours/{tour_id}?saved={action}")

    async def confirm_delete(self, request: Request) -> Response:
        """Asks before a tour is deleted."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                tour = await tour_edits.get_tour(session=session, actor=view.actor,
                                                 tour_id=int(request.path_params["id"]))
            except DomainError:
                return not_found(view)
        name = pick_text(tour.title, self._chain(view)) or tour.slug
        return page(view, "tour_confirm.html", title=view.gettext("Delete {name}?", name=name),
                    action=f"/console/tours/{tour.id}/delete",
                    back=f"/console/tours/{tour.id}",
                    warning=view.gettext("The tour, its scenes and their hotspots are "
                                         "deleted; the panoramas stay."))

    async def delete(self, request: Request) -> Response:
        """Deletes a tour (after its confirmation page)."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view = posted.view
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                tour = await tour_edits.get_tour(session=session, actor=view.actor,
                                                 tour_id=int(request.path_params["id"]))
                destination_id = tour.destination_id
                await tour_edits.delete_tour(session=session, actor=view.actor, tour_id=tour.id)
            except DomainError:
                return not_found(view)
            await session.commit()
        return see_other(view, f"/console/destinations/{destination_id}/tours?deleted=1")


def _id(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0
