"""The console's stops of a destination (staff): the route in order; create, edit (titles and
texts per language side by side, the viewpoint), move up or down, delete after a
confirmation; each stop's narration per language, uploaded with its WebVTT transcript (a
multipart form posted here, checked by the same services as the API) or removed; and links
that preview the visitor's page of the stop in each language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.destinations import TEXT_LANGUAGES
from api.console.guard import CSRF_FIELD
from api.console.render import View, page, see_other
from api.console.words import N_
from core.errors import DomainError
from core.language import pick_text
from geo.models import Destination
from geo.service import get_destination
from qr import service as qr_service
from qr.models import TargetKind
from tours import narrations, stop_edits
from tours import service as tour_service
from tours import stops as stop_service
from tours.models import Stop
from tours.stop_edits import Direction, StopEdit
from tours.stops import NewStop, Translation, Viewpoint

if TYPE_CHECKING:
    from api.console.app import Console

#: The largest narration form the console reads itself (audio and transcript): what an API
#: Gateway and Lambda pass whole. Longer recordings go through requestNarrationUpload.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: What a file's name says its audio is (the browser's own type varies: audio/x-m4a, …).
EXTENSIONS = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "mp4": "audio/mp4", "aac": "audio/mp4",
              "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg"}
#: The refusals the console says in its own words (else the service's message).
REFUSALS = {
    "AUDIO_TYPE_MISMATCH": N_("The audio file is not what its name says (MP3, M4A or Ogg)."),
    "AUDIO_TYPE_NOT_ALLOWED": N_("Only MP3, M4A (AAC) or Ogg audio can be a narration."),
    "AUDIO_CORRUPT": N_("The audio file is damaged or cut short."),
    "AUDIO_EMPTY": N_("The audio file is empty."),
    "AUDIO_TOO_LARGE": N_("The audio file is too large."),
    "AUDIO_TOO_LONG": N_("The recording is too long (at most 15 minutes)."),
    "TRANSCRIPT_INVALID": N_("The transcript is not a valid WebVTT file."),
    "TRANSCRIPT_LONGER_THAN_AUDIO": N_("The transcript goes on after the recording ends."),
    "NARRATION_FORMATS_DISAGREE": N_("This file does not last as long as the narration: it "
                                     "is not the same recording."),
    "NARRATION_NOT_FOUND": N_("There is no narration in this language yet: give its first "
                              "audio with a transcript."),
    "INVALID_STOP": N_("A stop needs a title in at least one language."),
    "INVALID_VIEWPOINT": N_("The viewpoint's angles are out of range."),
    "INVALID_LANGUAGE": N_("That is not a language tag."),
}


def routes(console: Console) -> list[Route]:
    """The routes of the stops section."""
    views = StopViews(console)
    one = "/destinations/{id:int}/stops/{stop:int}"
    return [Route("/destinations/{id:int}/stops", views.index, methods=["GET"]),
            Route("/destinations/{id:int}/stops", views.create, methods=["POST"]),
            Route(one, views.edit_form, methods=["GET"]),
            Route(one, views.update, methods=["POST"]),
            Route(f"{one}/move", views.move, methods=["POST"]),
            Route(f"{one}/delete", views.delete_form, methods=["GET"]),
            Route(f"{one}/delete", views.delete, methods=["POST"]),
            Route(f"{one}/narrations", views.upload, methods=["POST"]),
            Route(f"{one}/narrations/delete", views.remove_narration, methods=["POST"])]


def refusal(view: View, error: DomainError) -> str:
    """A coded refusal as the staff member reads it: in the console's words where it has
    them, else the service's message."""
    words = REFUSALS.get(str(error.code))
    return view.gettext(words) if words else error.message


def _texts(fields: dict[str, str], name: str) -> dict[str, str]:
    return {lang: fields.get(f"{name}_{lang}", "") for lang in TEXT_LANGUAGES}


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return float("nan")  # refused by the service's range check


def _viewpoint(fields: dict[str, str]) -> Viewpoint | None:
    scene = fields.get("scene_id", "")
    if not scene.isdigit():
        return None
    return Viewpoint(scene_id=int(scene), yaw=_number(fields.get("yaw"), 0.0),
                     pitch=_number(fields.get("pitch"), 0.0),
                     hfov=_number(fields.get("hfov"), 100.0))


def _values(stop: Stop) -> dict[str, str]:
    values = {f"{name}_{lang}": (getattr(stop, name) or {}).get(lang, "")
              for name in ("title", "text") for lang in TEXT_LANGUAGES}
    if stop.viewpoint_scene_id is not None:
        values |= {"scene_id": str(stop.viewpoint_scene_id),
                   "yaw": f"{stop.viewpoint_yaw or 0:g}",
                   "pitch": f"{stop.viewpoint_pitch or 0:g}",
                   "hfov": f"{stop.viewpoint_hfov or 100:g}"}
    return values


class StopViews:
    """The pages of the stops section (staff only)."""

    def __init__(self, console: Console):
        self.console = console

    async def _site(self, session: AsyncSession, request: Request) -> Destination | None:
        """The destination of the path, drafts too."""
        return await get_destination(session=session,
                                     destination_id=int(request.path_params["id"]),
                                     include_drafts=True)

    async def _stop(self, session: AsyncSession, request: Request
                    ) -> tuple[Destination, Stop] | None:
        """The destination of the path and its stop (only one of its own)."""
        destination = await self._site(session, request)
        stop = await stop_service.get_stop(session=session,
                                           stop_id=int(request.path_params["stop"]))
        if destination is None or stop is None or stop.destination_id != destination.id:
            return None
        return destination, stop

    def _missing(self, view: View) -> Response:
        return page(view, "not_found.html", status=404, title=view.gettext("Not found"))

    async def index(self, request: Request, *, error: str | None = None, status: int = 200,
                    values: dict[str, str] | None = None) -> Response:
        """The route in order, each stop with its narrations, codes and previews."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        chain = (view.lang, "vi", "en")
        async with self.console.sessions() as session:
            destination = await self._site(session, request)
            if destination is None:
                return self._missing(view)
            route = (await stop_service.stops_of_destinations(
                session=session, destination_ids=[destination.id]))[destination.id]
            ids = [s.id for s in route]
            told = await stop_service.narrations_of_stops(session=session, stop_ids=ids)
            codes = await qr_service.codes_of_targets(session=session, kind=TargetKind.STOP,
                                                      ids=ids)
        rows = [{"id": s.id, "position": s.position, "title": pick_text(s.title, chain),
                 "languages": [n.lang for n in told[s.id]],
                 "code": codes[s.id][0].code if codes[s.id] else None,
                 "first": i == 0, "last": i == len(route) - 1} for i, s in enumerate(route)]
        name = pick_text(destination.name, chain) or destination.slug
        return page(view, "stops.html", status=status,
                    title=view.gettext("Stops of {name}", name=name), rows=rows,
                    destination_id=destination.id, error=error, values=values or {},
                    text_languages=TEXT_LANGUAGES)

    async def create(self, request: Request) -> Response:
        """Adds a stop at the end of the route; a refusal writes nothing."""
        posted = await self.console.staff_form(request)
        if isinstance(posted, Response):
            return posted
        view, fields = posted
        assert view.actor is not None
        async with self.console.sessions() as session:
            destination = await self._site(session, request)
            if destination is None:
                return self._missing(view)
            try:
                stop = await stop_service.create_stop(
                    session=session, actor=view.actor,
                    data=NewStop(destination_id=destination.id, title=_texts(fields, "title"),
                                 text=_texts(fields, "text")))
            except DomainError as exc:
                await session.rollback()
                return await self.index(request, error=refusal(view, exc), status=400,
                                        values=fields)
            await session.commit()
            stop_id = stop.id
        return see_other(view, f"/console/destinations/{destination.id}/stops/{stop_id}")

    async def edit_form(self, request: Request, *, error: str | None = None,
                        status: int = 200, values: dict[str, str] | None = None) -> Response:
        """A stop's texts side by side per language, its viewpoint, its narrations."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        chain = (view.lang, "vi", "en")
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            destination, stop = found
            told = (await stop_service.narrations_of_stops(session=session,
                                                           stop_ids=[stop.id]))[stop.id]
            codes = (await qr_service.codes_of_targets(session=session, kind=TargetKind.STOP,
                                                       ids=[stop.id]))[stop.id]
            tours = (await tour_service.tours_of_destinations(
                session=session, destination_ids=[destination.id])).get(destination.id, [])
            scenes = await tour_service.scenes_of_tours(session=session,
                                                        tour_ids=[t.id for t in tours])
        choices = [(s.id, f"{pick_text(t.title, chain)} · {pick_text(s.title, chain)}")
                   for t in tours for s in scenes.get(t.id, [])]
        narrated = [{"lang": n.lang, "duration": f"{round(n.duration_s) // 60}:"
                     f"{round(n.duration_s) % 60:02d}", "translation": n.translation,
                     "formats": [s.content_type for s in stop_service.audio_sources(n)],
                     "url": self.console.store.url(n.audio_key)} for n in told]
        title = pick_text(stop.title, chain) or str(stop.id)
        return page(view, "stop_form.html", status=status, title=title, stop=stop,
                    destination_id=destination.id, values=values or _values(stop),
                    text_languages=TEXT_LANGUAGES, scenes=choices, narrations=narrated,
                    code=codes[0].code if codes else None, error=error,
                    translations=list(Translation), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                    done=request.query_params.get("done"))

    async def update(self, request: Request) -> Response:
        """Saves a stop's texts and viewpoint; a refusal writes nothing."""
        posted = await self.console.staff_form(request)
        if isinstance(posted, Response):
            return posted
        view, fields = posted
        assert view.actor is not None
        viewpoint = _viewpoint(fields)
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            try:
                await stop_edits.update_stop(
                    session=session, actor=view.actor, stop_id=found[1].id,
                    edit=StopEdit(title=_texts(fields, "title"), text=_texts(fields, "text"),
                                  viewpoint=viewpoint, clear_viewpoint=viewpoint is None))
            except DomainError as exc:
                await session.rollback()
                return await self.edit_form(request, error=refusal(view, exc), status=400,
                                            values=fields)
            await session.commit()
        return see_other(view, f"{request.url.path}?done=saved")

    async def move(self, request: Request) -> Response:
        """Moves a stop one place up or down the route."""
        posted = await self.console.staff_form(request)
        if isinstance(posted, Response):
            return posted
        view, fields = posted
        assert view.actor is not None
        direction = fields.get("direction", "")
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            if direction not in set(Direction):
                return page(view, "refused.html", status=400, title=view.gettext("Not allowed"))
            await stop_edits.move_stop(session=session, actor=view.actor, stop_id=found[1].id,
                                       direction=Direction(direction))
            await session.commit()
        return see_other(view, f"/console/destinations/{found[0].id}/stops")

    async def delete_form(self, request: Request) -> Response:
        """Asks before a stop is deleted, saying what goes with it."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            stop = found[1]
            told = (await stop_service.narrations_of_stops(session=session,
                                                           stop_ids=[stop.id]))[stop.id]
        title = pick_text(stop.title, (view.lang, "vi", "en")) or str(stop.id)
        return page(view, "stop_delete.html", title=view.gettext("Delete {name}?", name=title),
                    stop=stop, destination_id=found[0].id, narrated=[n.lang for n in told])

    async def delete(self, request: Request) -> Response:
        """Deletes a stop with its narrations (their files too)."""
        posted = await self.console.staff_form(request)
        if isinstance(posted, Response):
            return posted
        view, fields = posted
        if fields.get("confirm") != "yes":
            return self.console.refused(view)
        assert view.actor is not None
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            await stop_edits.delete_stop(session=session, store=self.console.store,
                                         actor=view.actor, stop_id=found[1].id)
            await session.commit()
        return see_other(view, f"/console/destinations/{found[0].id}/stops")

    async def _upload_fields(self, request: Request
                             ) -> tuple[dict[str, str], bytes, str, str | None]:
        """The posted form's fields, the audio's bytes and type (by its file's name) and the
        transcript (a .vtt file, or pasted text)."""
        async with request.form(max_files=2, max_fields=10, max_part_size=64 * 1024) as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            audio, vtt = form.get("audio"), form.get("transcript_file")
            transcript = fields.get("transcript", "").strip() or None
            if isinstance(vtt, UploadFile) and vtt.filename:
                transcript = (await vtt.read(MAX_UPLOAD_BYTES)).decode("utf-8", "replace")
            if not isinstance(audio, UploadFile) or not audio.filename:
                return fields, b"", "", transcript
            named = EXTENSIONS.get(audio.filename.rsplit(".", 1)[-1].lower())
            return (fields, await audio.read(MAX_UPLOAD_BYTES + 1),
                    named or audio.content_type or "", transcript)

    async def upload(self, request: Request) -> Response:
        """Keeps a narration in one language from a posted audio file and its WebVTT
        transcript (or another format of the narration there is, given without one); the
        same checks as the API, and a refusal writes nothing."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        length = int(request.headers.get("content-length") or 0)
        if not 0 < length <= MAX_UPLOAD_BYTES + 64 * 1024:
            return await self.edit_form(request, status=413, error=view.gettext(
                "The files are too large for the console (at most {mb} MB): use the API's "
                "upload for longer recordings.", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
        fields, audio, content_type, transcript = await self._upload_fields(request)
        if not self.console.signer.csrf_ok(request, fields.get(CSRF_FIELD)):
            return self.console.refused(view)
        assert view.actor is not None
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            stop = found[1]
            try:
                if transcript is not None:
                    await narrations.add_narration(
                        session=session, store=self.console.store, actor=view.actor,
                        stop_id=stop.id, lang=fields.get("lang", ""), audio=audio,
                        content_type=content_type, transcript=transcript,
                        translation=Translation(fields.get("translation") or "original"))
                else:
                    await narrations.add_narration_format(
                        session=session, store=self.console.store, actor=view.actor,
                        stop_id=stop.id, lang=fields.get("lang", ""), audio=audio,
                        content_type=content_type)
            except (DomainError, ValueError) as exc:
                await session.rollback()
                message = (refusal(view, exc) if isinstance(exc, DomainError)
                           else view.gettext("Not allowed"))
                return await self.edit_form(request, error=message, status=400)
            await session.commit()
        return see_other(view, f"/console/destinations/{found[0].id}/stops/{stop.id}"
                               "?done=narration")

    async def remove_narration(self, request: Request) -> Response:
        """Removes a stop's narration in one language, every format of it."""
        posted = await self.console.staff_form(request)
        if isinstance(posted, Response):
            return posted
        view, fields = posted
        assert view.actor is not None
        async with self.console.sessions() as session:
            found = await self._stop(session, request)
            if found is None:
                return self._missing(view)
            try:
                await stop_edits.delete_narration(
                    session=session, store=self.console.store, actor=view.actor,
                    stop_id=found[1].id, lang=fields.get("lang", ""))
            except DomainError as exc:
                await session.rollback()
                return await self.edit_form(request, error=refusal(view, exc), status=400)
            await session.commit()
        return see_other(view, f"/console/destinations/{found[0].id}/stops/{found[1].id}"
                               "?done=removed")
