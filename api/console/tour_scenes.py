"""The console's page of one scene (staff): the visitors' Pannellum viewer showing it, its
titles, initial view and north, its hotspots (links to another scene, info texts) placed by
clicking in the viewer (api/static/console-scene.js fills the angles; without JavaScript they
are typed), edited and deleted; the scene deleted after a confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.app import Posted
from api.console.render import View, page, see_other
from api.console.tours import (
    STATUS_WORDS,
    not_found,
    number,
    text_languages,
    texts_of,
)
from api.types.common import to_global_id
from core.errors import DomainError
from core.language import pick_text
from media import service as media_service
from tours import service as tour_service
from tours import tour_edits, viewers
from tours.models import Scene

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of a scene's page, its hotspots and its deletion."""
    views = SceneViews(console)
    return [Route("/scenes/{id:int}", views.scene, methods=["GET"]),
            Route("/scenes/{id:int}", views.change, methods=["POST"]),
            Route("/scenes/{id:int}/delete", views.confirm_delete, methods=["GET"]),
            Route("/scenes/{id:int}/delete", views.delete, methods=["POST"]),
            Route("/hotspots/{id:int}/delete", views.confirm_hotspot_delete, methods=["GET"]),
            Route("/hotspots/{id:int}/delete", views.delete_hotspot, methods=["POST"])]


def _angle(fields: dict[str, str], name: str) -> float:
    found = number(fields.get(name))
    return found if found is not None else float("nan")  # refused on its field


class SceneViews:
    """Pages of a scene."""

    def __init__(self, console: Console):
        self.console = console

    async def _page(self, view: View, scene: Scene, session: Any, *,
                    error: str | None = None, status: int = 200) -> Response:
        assert view.actor is not None
        chain = (view.lang, "vi", "en")
        tour = await tour_edits.get_tour(session=session, actor=view.actor,
                                         tour_id=scene.tour_id)
        scenes = (await tour_service.scenes_of_tours(session=session, tour_ids=[tour.id])
                  ).get(tour.id, [])
        spots = await tour_service.hotspots_of_scenes(session=session,
                                                      scene_ids=[s.id for s in scenes])
        found = await media_service.get_panoramas(session=session,
                                                  ids=[s.panorama_id for s in scenes])
        panoramas = {p.id: p for p in found if p is not None and p.ready}
        panorama = next((p for p in found if p is not None and p.id == scene.panorama_id), None)
        config = None
        if scene.panorama_id in panoramas:
            config = self._config(viewers.TourScenes(tour=tour, scenes=scenes, hotspots=spots,
                                                     panoramas=panoramas), scene, chain)
        others = [{"id": s.id, "title": pick_text(s.title, chain)}
                  for s in scenes if s.id != scene.id]
        names = {s.id: pick_text(s.title, chain) for s in scenes}
        hotspots = [{"id": h.id, "kind": h.kind, "yaw": h.yaw, "pitch": h.pitch,
                     "text": h.text, "target": h.target_scene_id,
                     "target_name": names.get(h.target_scene_id or 0, ""),
                     "target_yaw": h.target_yaw, "target_pitch": h.target_pitch,
                     "languages": text_languages(view, h.text)}
                    for h in spots.get(scene.id, [])]
        shown = page(view, "tour_scene.html", status=status,
                    title=pick_text(scene.title, chain) or str(scene.id), scene=scene,
                    tour_title=pick_text(tour.title, chain) or tour.slug, tour=tour,
                    config=config, hotspots=hotspots, others=others, error=error,
                    panorama_status=panorama.status if panorama else "failed",
                    status_words=STATUS_WORDS, languages_of_text=text_languages(
                        view, scene.title), text_of_hotspots=text_languages(view),
                    visitor_url=f"/tours/{tour.id}?scene={to_global_id('Scene', scene.id)}")
        origin = self.console.media_origin
        if origin:  # in production the viewer's files are served from the store
            policy = shown.headers["Content-Security-Policy"]
            shown.headers["Content-Security-Policy"] = (
                policy.replace("script-src 'self'", f"script-src 'self' {origin}")
                .replace("style-src 'self'", f"style-src 'self' {origin}"))
        return shown

    def _config(self, shown: viewers.TourScenes, scene: Scene, chain: tuple[str, ...]
                ) -> dict[str, Any]:
        """The visitors' Pannellum configuration of one scene, its links shown as points
        (a click on one places a hotspot here rather than leaving the scene)."""
        console = self.console
        config = viewers.pannellum_config(shown, chain=chain, base_of=lambda p: (
            viewers.panorama_base_url(console.store, console.public_base_url, p)))
        key = viewers.scene_key(scene)
        one = config["scenes"][key]
        for spot in one["hotSpots"]:
            spot.pop("sceneId", None)
            spot["type"] = "info"
        config["default"].update(firstScene=key, compass=True)
        config["scenes"] = {key: one}
        return config

    async def _found(self, view: View, session: Any, scene_id: int) -> Scene | None:
        assert view.actor is not None
        try:
            return await tour_edits.get_scene(session=session, actor=view.actor,
                                              scene_id=scene_id)
        except DomainError:
            return None

    async def scene(self, request: Request) -> Response:
        """A scene: the viewer, its titles and view, its hotspots."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        async with self.console.sessions() as session:
            scene = await self._found(view, session, int(request.path_params["id"]))
            if scene is None:
                return not_found(view)
            return await self._page(view, scene, session)

    async def change(self, request: Request) -> Response:
        """Saves the scene's titles and view, or adds, moves or edits a hotspot; a refusal
        shows the page again with its message and writes nothing."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view, fields = posted
        assert view.actor is not None
        actor, scene_id, action = view.actor, int(request.path_params["id"]), fields.get("action")
        async with self.console.sessions() as session:
            scene = await self._found(view, session, scene_id)
            if scene is None:
                return not_found(view)
            try:
                if action == "update":
                    await tour_edits.update_scene(
                        session=session, actor=actor, scene_id=scene_id,
                        edit=tour_edits.SceneEdit(
                            title=texts_of(fields, "title"), yaw=_angle(fields, "yaw"),
                            pitch=_angle(fields, "pitch"), hfov=_angle(fields, "hfov"),
                            north_offset=_angle(fields, "north")))
                elif action == "add_hotspot":
                    kind = fields.get("kind", "")
                    await tour_service.add_hotspot(
                        session=session, actor=actor, scene_id=scene_id, kind=kind,
                        yaw=_angle(fields, "yaw"), pitch=_angle(fields, "pitch"),
                        text=texts_of(fields, "text") or None,
                        target_scene_id=_scene_id(fields) if kind == "scene" else None,
                        target_yaw=number(fields.get("target_yaw")),
                        target_pitch=number(fields.get("target_pitch")))
                elif action == "update_hotspot" and fields.get("hotspot", "").isdigit():
                    hotspot_id = int(fields["hotspot"])
                    if await tour_edits.hotspot_scene(session=session,
                                                      hotspot_id=hotspot_id) != scene_id:
                        return not_found(view)
                    await tour_edits.update_hotspot(
                        session=session, actor=actor, hotspot_id=hotspot_id,
                        edit=tour_edits.HotspotEdit(
                            yaw=_angle(fields, "yaw"), pitch=_angle(fields, "pitch"),
                            text=texts_of(fields, "text") or None,
                            target_scene_id=_scene_id(fields),
                            target_yaw=number(fields.get("target_yaw")),
                            target_pitch=number(fields.get("target_pitch"))))
                else:
                    return page(view, "refused.html", status=400,
                                title=view.gettext("Not allowed"))
            except DomainError as exc:
                await session.rollback()
                scene = await self._found(view, session, scene_id)
                assert scene is not None
                message = f"{exc.message} ({exc.field})" if exc.field else exc.message
                return await self._page(view, scene, session, error=message, status=400)
            await session.commit()
        return see_other(view, f"/console/scenes/{scene_id}?saved={action}")

    async def confirm_delete(self, request: Request) -> Response:
        """Asks before a scene is deleted."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        async with self.console.sessions() as session:
            scene = await self._found(view, session, int(request.path_params["id"]))
        if scene is None:
            return not_found(view)
        name = pick_text(scene.title, (view.lang, "vi", "en")) or str(scene.id)
        return page(view, "tour_confirm.html", title=view.gettext("Delete {name}?", name=name),
                    action=f"/console/scenes/{scene.id}/delete",
                    back=f"/console/tours/{scene.tour_id}",
                    warning=view.gettext("The scene, its hotspots and the links to it from "
                                         "other scenes are deleted; its panorama stays."))

    async def delete(self, request: Request) -> Response:
        """Deletes a scene (after its confirmation page)."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view = posted.view
        assert view.actor is not None
        async with self.console.sessions() as session:
            scene = await self._found(view, session, int(request.path_params["id"]))
            if scene is None:
                return not_found(view)
            tour_id = scene.tour_id
            await tour_edits.delete_scene(session=session, actor=view.actor, scene_id=scene.id)
            await session.commit()
        return see_other(view, f"/console/tours/{tour_id}?saved=deleted")

    async def _hotspot_scene(self, view: View, session: Any, hotspot_id: int
                             ) -> tuple[int, Scene] | None:
        found = await tour_edits.hotspot_scene(session=session, hotspot_id=hotspot_id)
        if found is None:
            return None
        scene = await self._found(view, session, found)
        return (hotspot_id, scene) if scene is not None else None

    async def confirm_hotspot_delete(self, request: Request) -> Response:
        """Asks before a hotspot is deleted."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        async with self.console.sessions() as session:
            found = await self._hotspot_scene(view, session, int(request.path_params["id"]))
        if found is None:
            return not_found(view)
        hotspot_id, scene = found
        return page(view, "tour_confirm.html", title=view.gettext("Delete this hotspot?"),
                    action=f"/console/hotspots/{hotspot_id}/delete",
                    back=f"/console/scenes/{scene.id}",
                    warning=view.gettext("Visitors will no longer see it."))

    async def delete_hotspot(self, request: Request) -> Response:
        """Deletes a hotspot (after its confirmation page)."""
        posted = await self.console.staff_form(request)
        if not isinstance(posted, Posted):
            return posted
        view = posted.view
        assert view.actor is not None
        async with self.console.sessions() as session:
            found = await self._hotspot_scene(view, session, int(request.path_params["id"]))
            if found is None:
                return not_found(view)
            hotspot_id, scene = found
            await tour_edits.delete_hotspot(session=session, actor=view.actor,
                                            hotspot_id=hotspot_id)
            await session.commit()
        return see_other(view, f"/console/scenes/{scene.id}?saved=hotspot_deleted")


def _scene_id(fields: dict[str, str]) -> int | None:
    value = fields.get("target_scene", "")
    return int(value) if value.isdigit() and len(value) < 12 else None
