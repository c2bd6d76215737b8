"""The console's destinations: the list with search and filters, the form that creates one,
the form that edits its texts side by side per language, publishing and unpublishing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.hours_form import (
    closures_document,
    closures_text,
    hours_changed,
    hours_document,
    hours_values,
    lines_changed,
)
from api.console.photos import photo_section, receive_photo, shown_photo_ids
from api.console.render import View, page, see_other
from core.errors import DomainError
from core.language import SERVICE_LANGUAGES, pick_text
from core.paging import PageRequest
from core.time import utcnow
from geo.editing import DestinationEdit, create_destination_by, set_published, update_destination
from geo.hours import WEEKDAYS
from geo.listings.photos import listing_photos
from geo.listings.service import listing_state
from geo.models import Category, Destination, Status
from geo.search import search_destinations
from geo.service import (
    DestinationFilter,
    NewDestination,
    get_destination,
    list_destinations,
    list_provinces,
)
from geo.translations import Translation, text_states

if TYPE_CHECKING:
    from api.console.app import Console

#: The languages a destination's texts are edited in, the source first.
TEXT_LANGUAGES = SERVICE_LANGUAGES
TEXT_FIELDS = ("name", "description", "address")
PAGE_SIZE = 50


def routes(console: Console) -> list[Route]:
    """The routes of the destinations section."""
    views = DestinationViews(console)
    return [Route("/destinations", views.index, methods=["GET"]),
            Route("/destinations/new", views.new_form, methods=["GET"]),
            Route("/destinations/new", views.create, methods=["POST"]),
            Route("/destinations/{id:int}", views.edit_form, methods=["GET"]),
            Route("/destinations/{id:int}", views.update, methods=["POST"]),
            Route("/destinations/{id:int}/publish", views.publish, methods=["POST"]),
            Route("/destinations/{id:int}/photos", views.upload_photo, methods=["POST"])]


def _texts(fields: dict[str, str], name: str) -> dict[str, str]:
    return {lang: fields.get(f"{name}_{lang}", "") for lang in TEXT_LANGUAGES}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return float("nan")  # refused by the service's point check, on its field


def _edit_values(destination: Destination, content: dict[str, Any]) -> dict[str, Any]:
    """The hours, closures and cover fields of a destination's form."""
    shown = shown_photo_ids(content)
    return {**hours_values(destination.opening_hours),
            "closures": closures_text(content.get("special_closures")),
            "cover": str(shown[0]) if shown else ""}


def missing_languages(destination: Destination) -> list[str]:
    """The languages whose name or description is missing, while another language has one."""
    return [lang for lang in TEXT_LANGUAGES
            if not (destination.name or {}).get(lang)
            or (destination.description and not destination.description.get(lang))]


class DestinationViews:
    """The pages of the destinations section (staff only)."""

    def __init__(self, console: Console):
        self.console = console

    async def index(self, request: Request) -> Response:
        """Destinations, drafts included, searched by name and filtered by status/category."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        text = request.query_params.get("q", "").strip()[:200]
        status = request.query_params.get("status", "")
        category = request.query_params.get("category", "")
        flt = DestinationFilter(include_drafts=True,
                                categories=(category,) if category in set(Category) else ())
        async with self.console.sessions() as session:
            if text:
                hits = await search_destinations(session=session, text=text, near=None,
                                                 flt=flt, page=PageRequest(first=PAGE_SIZE))
                found = [hit.destination for hit in hits.items]
            else:
                found = (await list_destinations(session=session, flt=flt,
                                                 page=PageRequest(first=PAGE_SIZE))).items
        if status in set(Status):
            found = [d for d in found if d.status == status]
        rows = [{"id": d.id, "name": pick_text(d.name, (view.lang, "vi", "en")) or d.slug,
                 "slug": d.slug, "status": d.status, "category": d.category,
                 "missing": missing_languages(d)} for d in found]
        return page(view, "destinations.html", title=view.gettext("Destinations"), rows=rows,
                    q=text, status_filter=status, category=category, categories=list(Category),
                    statuses=list(Status))

    async def _form(self, view: View, *, destination: Destination | None,
                    values: dict[str, Any], error: DomainError | None = None,
                    status: int = 200, photo_error: DomainError | None = None,
                    uploaded: bool = False) -> Response:
        assert view.actor is not None
        photos: dict[str, Any] = {}
        async with self.console.sessions() as session:
            provinces = [(p.code, pick_text(p.name, (view.lang, "vi"))) for p in
                         await list_provinces(session=session)]
            if destination is not None:
                listing = await listing_state(session=session, actor=view.actor,
                                              destination_id=destination.id)
                found = await listing_photos(session=session, actor=view.actor,
                                             destination_id=destination.id)
                photos = photo_section(
                    view, self.console.store, found,
                    shown_photo_ids(listing.content) if listing else [],
                    action=f"/console/destinations/{destination.id}/photos", choice="cover",
                    form="destination-form", error=photo_error, uploaded=uploaded)
        title = (view.gettext("New destination") if destination is None
                 else pick_text(destination.name, (view.lang, "vi", "en")) or destination.slug)
        states: dict[str, dict[str, Any]] = {lang: {"stale": [], "translation": ""}
                                             for lang in TEXT_LANGUAGES}
        if destination is not None:
            for name in TEXT_FIELDS:
                for lang, state in text_states(destination.text_meta or {}, name,
                                               getattr(destination, name) or {}).items():
                    if lang in states:
                        states[lang]["translation"] = state.translation.value
                        if state.stale:
                            states[lang]["stale"].append(name)
        return page(view, "destination_form.html", status=status, title=title,
                    destination=destination, values=values, error=error, states=states,
                    translations=[t.value for t in Translation],
                    text_languages=TEXT_LANGUAGES, categories=list(Category),
                    provinces=provinces, weekdays=WEEKDAYS, **photos,
                    missing=missing_languages(destination) if destination else [])

    @staticmethod
    def _values(destination: Destination, content: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {"category": destination.category,
                                  "province_code": destination.province_code,
                                  "district": destination.district or "",
                                  "lat": f"{destination.lat:.6f}", "lng": f"{destination.lng:.6f}"}
        for name in TEXT_FIELDS:
            texts = getattr(destination, name) or {}
            for lang in TEXT_LANGUAGES:
                values[f"{name}_{lang}"] = texts.get(lang, "")
        return {**values, **_edit_values(destination, content)}

    async def new_form(self, request: Request) -> Response:
        """The form of a new destination."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        return await self._form(view, destination=None, values={})

    async def create(self, request: Request) -> Response:
        """Creates a draft destination from the form; a refusal shows the form again, with
        the message on its field, and writes nothing."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        lat, lng = _float(fields.get("lat")), _float(fields.get("lng"))
        data = NewDestination(
            slug=fields.get("slug", "").strip(), category=fields.get("category", ""),
            province_code=fields.get("province_code", ""),
            name=_texts(fields, "name"), description=_texts(fields, "description"),
            address=_texts(fields, "address"), district=fields.get("district") or None,
            lat=lat if lat is not None else float("nan"),
            lng=lng if lng is not None else float("nan"), status=Status.DRAFT.value)
        async with self.console.sessions() as session:
            try:
                destination = await create_destination_by(session=session, actor=view.actor,
                                                          data=data, now=utcnow())
            except DomainError as exc:
                await session.rollback()
                return await self._form(view, destination=None, values=fields, error=exc,
                                        status=400)
            await session.commit()
            return see_other(view, f"/console/destinations/{destination.id}?saved=1")

    async def _found(self, session: Any, destination_id: int) -> Destination | None:
        return await get_destination(session=session, destination_id=destination_id,
                                     include_drafts=True)

    async def edit_form(self, request: Request, *, photo_error: DomainError | None = None,
                        status: int = 200) -> Response:
        """A destination's form: texts per language side by side, place, category, opening
        hours and closures, cover photo (a photo just uploaded is chosen)."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            destination = await self._found(session, int(request.path_params["id"]))
            state = None if destination is None else await listing_state(
                session=session, actor=view.actor, destination_id=destination.id)
        if destination is None or state is None:
            return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
        values = self._values(destination, state.content)
        uploaded = request.query_params.get("uploaded", "")
        if uploaded.isdigit():
            values["cover"] = uploaded
        return await self._form(view, destination=destination, values=values, status=status,
                                photo_error=photo_error, uploaded=uploaded.isdigit())

    async def update(self, request: Request) -> Response:
        """Saves the form of a destination; a refusal writes nothing."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        edit = DestinationEdit(
            name=_texts(fields, "name"), description=_texts(fields, "description"),
            address=_texts(fields, "address"), category=fields.get("category"),
            province_code=fields.get("province_code"), district=fields.get("district") or None,
            lat=_float(fields.get("lat")), lng=_float(fields.get("lng")),
            translations={name: {lang: fields.get(f"translation_{lang}", "")
                                 for lang in TEXT_LANGUAGES} for name in TEXT_FIELDS})
        async with self.console.sessions() as session:
            found = await self._found(session, destination_id)
            state = None if found is None else await listing_state(
                session=session, actor=view.actor, destination_id=destination_id)
            if found is not None and state is not None:
                edit = self._with_listing(edit, fields, found, state.content)
            try:
                await update_destination(session=session, actor=view.actor,
                                         destination_id=destination_id, edit=edit, now=utcnow())
            except DomainError as exc:
                await session.rollback()
                destination = await self._found(session, destination_id)
                if destination is None:
                    return page(view, "not_found.html", status=404,
                                title=view.gettext("Not found"))
                return await self._form(view, destination=destination, values=fields,
                                        error=exc, status=400)
            await session.commit()
        return see_other(view, f"/console/destinations/{destination_id}?saved=1")

    @staticmethod
    def _with_listing(edit: DestinationEdit, fields: dict[str, str], destination: Destination,
                      content: dict[str, Any]) -> DestinationEdit:
        """The edit with the hours, closures and cover that the form changes."""
        current = _edit_values(destination, content)
        hours = hours_document(fields) if hours_changed(fields, current) else None
        cover = fields.get("cover", "")
        return replace(
            edit, opening_hours=hours,
            clear_opening_hours=hours_changed(fields, current) and hours is None,
            special_closures=closures_document(fields.get("closures", ""))
            if lines_changed(fields.get("closures", ""), current["closures"]) else None,
            cover_photo_id=int(cover) if cover.isdigit() and cover != current["cover"]
            else None)

    async def upload_photo(self, request: Request) -> Response:
        """Adds a photo to a destination's listing and chooses it as the cover on the form
        (saved with it); a refused photo shows the form with a readable message."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        destination_id = int(request.path_params["id"])
        outcome = await receive_photo(self.console, request, view, destination_id)
        if outcome is None:
            return self.console.refused(view)
        if isinstance(outcome, DomainError):
            return await self.edit_form(request, photo_error=outcome, status=400)
        return see_other(view, f"/console/destinations/{destination_id}?uploaded={outcome}"
                         "#photos")

    async def publish(self, request: Request) -> Response:
        """Publishes a destination, or takes it back to a draft."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            try:
                await set_published(session=session, actor=view.actor,
                                    destination_id=destination_id,
                                    published=fields.get("published") == "1", now=utcnow())
            except DomainError:
                return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
            await session.commit()
        return see_other(view, f"/console/destinations/{destination_id}?saved=1")
