"""The console for business owners: their listings only, the edit form (descriptions per
language, opening hours, closures, prices, contact, accessibility) that proposes a change for
review, their pending and past changes with the department's answer, and withdrawing."""

from __future__ import annotations

import re
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
from core.time import as_utc, utcnow
from geo.hours import WEEKDAYS
from geo.listings import photos as listing_photos
from geo.listings import service as listings
from geo.listings.review import text_rows
from geo.service import get_destinations

if TYPE_CHECKING:
    from api.console.app import Console

TEXT_LANGUAGES = SERVICE_LANGUAGES
_PHOTO_FIELD = re.compile(r"^photo_(\d{1,12})$")


def routes(console: Console) -> list[Route]:
    """The routes of the owners' pages."""
    views = ListingViews(console)
    return [Route("/listings", views.index, methods=["GET"]),
            Route("/listings/{id:int}", views.edit_form, methods=["GET"]),
            Route("/listings/{id:int}", views.propose, methods=["POST"]),
            Route("/listings/{id:int}/photos", views.upload_photo, methods=["POST"]),
            Route("/changes/{id:int}/withdraw", views.withdraw, methods=["POST"])]


def form_values(content: dict[str, Any]) -> dict[str, str]:
    """The edit form's fields from a listing's content."""
    values: dict[str, str] = {}
    for lang in TEXT_LANGUAGES:
        values[f"description_{lang}"] = (content.get("description") or {}).get(lang, "")
        values[f"access_{lang}"] = ((content.get("accessibility") or {}).get("notes")
                                    or {}).get(lang, "")
    contact = content.get("contact") or {}
    for key in ("phone", "email", "website"):
        values[key] = contact.get(key) or ""
    wheelchair = (content.get("accessibility") or {}).get("wheelchair")
    values["wheelchair"] = "" if wheelchair is None else "yes" if wheelchair else "no"
    values.update(hours_values(content.get("opening_hours")))
    values["prices"] = "\n".join(
        f"{pick_text(p.get('label'), ('vi', 'en'))} | {p['amount_vnd']}"
        for p in content.get("prices") or [])
    values["closures"] = closures_text(content.get("special_closures"))
    for position, photo_id in enumerate(shown_photo_ids(content), start=1):
        values[f"photo_{photo_id}"], values[f"order_{photo_id}"] = "1", str(position)
    return values


def chosen_photo_ids(fields: dict[str, str]) -> list[int]:
    """The photos a posted form shows (`photo_<id>` ticked), in the order of their
    `order_<id>` positions (unnumbered ones last, oldest first)."""
    chosen = []
    for name in fields:
        found = _PHOTO_FIELD.match(name)
        if found and fields[name]:
            order = fields.get(f"order_{found.group(1)}", "").strip()
            chosen.append((int(order) if order.isdigit() else 10_000, int(found.group(1))))
    return [photo_id for _, photo_id in sorted(chosen)]


def _prices(text: str) -> list[dict[str, Any]]:
    prices = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        label, _, amount = line.rpartition("|")
        digits = amount.replace(".", "").replace(",", "").replace("đ", "").strip()
        prices.append({"label": {"vi": label.strip()} if label.strip() else {},
                       "amount_vnd": int(digits) if digits.isdigit() else -1})
    return prices


def proposed_fields(fields: dict[str, str], content: dict[str, Any]) -> dict[str, Any]:
    """What the form changes, as a listing change's fields (only the fields that differ)."""
    notes = {lang: fields.get(f"access_{lang}", "").strip() for lang in TEXT_LANGUAGES}
    wheelchair = fields.get("wheelchair", "")
    wanted: dict[str, Any] = {
        "description": {lang: fields.get(f"description_{lang}", "").strip()
                        for lang in TEXT_LANGUAGES},
        "contact": {key: fields.get(key, "").strip() or None
                    for key in ("phone", "email", "website")},
        "accessibility": {"wheelchair": None if not wheelchair else wheelchair == "yes",
                          "notes": {k: v for k, v in notes.items() if v}},
        "opening_hours": hours_document(fields),
        "prices": _prices(fields.get("prices", "")),
        "special_closures": closures_document(fields.get("closures", "")),
    }
    current = form_values(content)
    changed: dict[str, Any] = {}
    if any(fields.get(f"description_{lang}", "").strip() != current[f"description_{lang}"]
           for lang in TEXT_LANGUAGES):
        changed["description"] = wanted["description"]
    if any(fields.get(k, "").strip() != current[k] for k in ("phone", "email", "website")):
        changed["contact"] = wanted["contact"]
    if wheelchair != current["wheelchair"] or any(
            notes[lang] != current[f"access_{lang}"] for lang in TEXT_LANGUAGES):
        changed["accessibility"] = wanted["accessibility"]
    if hours_changed(fields, current):
        changed["opening_hours"] = wanted["opening_hours"]
    if lines_changed(fields.get("prices", ""), current["prices"]):
        changed["prices"] = wanted["prices"]
    if lines_changed(fields.get("closures", ""), current["closures"]):
        changed["special_closures"] = wanted["special_closures"]
    if chosen_photo_ids(fields) != shown_photo_ids(content):
        changed["photos"] = chosen_photo_ids(fields)
    return changed


class ListingViews:
    """Pages of a business owner (staff may open them too)."""

    def __init__(self, console: Console):
        self.console = console

    async def _signed_in(self, request: Request) -> View | Response:
        caller = await self.console.caller(request)
        if caller is None:
            return self.console.to_sign_in(request)
        return self.console.view(request, caller)

    async def _owner_of(self, request: Request) -> View | Response:
        """The view of an owner of the listing in the path (or staff); else the refusal."""
        view = await self._signed_in(request)
        if isinstance(view, View):
            assert view.actor is not None
            destination_id = int(request.path_params["id"])
            if not (view.actor.is_staff or destination_id in view.actor.destination_ids):
                return page(view, "refused.html", status=403, title=view.gettext("Not allowed"))
        return view

    async def index(self, request: Request) -> Response:
        """The owner's listings and their changes, newest first, with the answers."""
        view = await self._signed_in(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        ids = sorted(view.actor.destination_ids)
        async with self.console.sessions() as session:
            places = [d for d in await get_destinations(session=session, ids=ids,
                                                        include_drafts=True) if d]
            changes = (await listings.list_changes(
                session=session, actor=view.actor, destination_id=None, status=None,
                page=PageRequest(first=50))).items if ids or view.actor.is_staff else []
        names = {d.id: pick_text(d.name, (view.lang, "vi")) for d in places}
        rows = [{"id": c.id, "destination": names.get(c.destination_id, "?"),
                 "status": c.status, "reason": c.reason, "fields": sorted(c.fields),
                 "at": as_utc(c.created_at).isoformat(timespec="minutes")}
                for c in changes if c.destination_id in names]
        return page(view, "listings.html", title=view.gettext("My listings"),
                    places=[{"id": d.id, "name": names[d.id]} for d in places], changes=rows)

    async def edit_form(self, request: Request, *, error: DomainError | None = None,
                        values: dict[str, str] | None = None, status: int = 200,
                        photo_error: DomainError | None = None) -> Response:
        """The edit form of one of the owner's listings."""
        view = await self._owner_of(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            state = await listings.listing_state(session=session, actor=view.actor,
                                                 destination_id=destination_id)
            found = await listing_photos.listing_photos(
                session=session, actor=view.actor, destination_id=destination_id)
        if state is None:
            return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
        shown = shown_photo_ids(state.content)
        if values is None:
            values = form_values(state.content)
            uploaded = request.query_params.get("uploaded", "")
            if uploaded.isdigit() and f"photo_{uploaded}" not in values:
                values[f"photo_{uploaded}"], values[f"order_{uploaded}"] = "1", str(
                    len(shown) + 1)
        return page(view, "listing_form.html", status=status,
                    title=pick_text(state.destination.name, (view.lang, "vi")),
                    destination_id=destination_id, version=state.version, error=error,
                    **photo_section(view, self.console.store, found, shown,
                                    action=f"/console/listings/{destination_id}/photos",
                                    choice="show", form="listing-form", error=photo_error,
                                    uploaded=request.query_params.get("uploaded", "") != ""),
                    values=values, weekdays=WEEKDAYS,
                    text_languages=TEXT_LANGUAGES, stale=[
                        lang for lang in request.query_params.get("stale", "").split(",")
                        if lang in TEXT_LANGUAGES],
                    sent=request.query_params.get("sent") == "1")

    async def propose(self, request: Request) -> Response:
        """Proposes the form's changes for review; a refusal shows the form with the message
        and writes nothing."""
        view = await self._signed_in(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        if not (view.actor.is_staff or destination_id in view.actor.destination_ids):
            return page(view, "refused.html", status=403, title=view.gettext("Not allowed"))
        async with self.console.sessions() as session:
            state = await listings.listing_state(session=session, actor=view.actor,
                                                 destination_id=destination_id)
            if state is None:
                return page(view, "not_found.html", status=404,
                            title=view.gettext("Not found"))
            changed = proposed_fields(fields, state.content)
            base = int(fields["version"]) if fields.get("version", "").isdigit() else -1
            try:
                await listings.propose_change(session=session, actor=view.actor,
                                              destination_id=destination_id,
                                              base_version=base, fields=changed, now=utcnow())
            except DomainError as exc:
                await session.rollback()
                return await self.edit_form(request, error=exc, values=fields, status=400)
            await session.commit()
            stale = [row.lang for row in text_rows(state.content.get("description"),
                                                   changed.get("description"))
                     if row.state == "stale"] if "description" in changed else []
        return see_other(view, f"/console/listings/{destination_id}?sent=1"
                         + (f"&stale={','.join(stale)}" if stale else ""))

    async def upload_photo(self, request: Request) -> Response:
        """Adds a photo to the owner's listing (not shown until a change proposes it); a
        refused photo shows the form with a readable message and writes nothing."""
        view = await self._owner_of(request)
        if not isinstance(view, View):
            return view
        destination_id = int(request.path_params["id"])
        outcome = await receive_photo(self.console, request, view, destination_id)
        if outcome is None:
            return self.console.refused(view)
        if isinstance(outcome, DomainError):
            return await self.edit_form(request, photo_error=outcome, status=400)
        return see_other(view, f"/console/listings/{destination_id}?uploaded={outcome}#photos")

    async def withdraw(self, request: Request) -> Response:
        """Withdraws one's pending change."""
        view = await self._signed_in(request)
        if not isinstance(view, View):
            return view
        if await self.console.form(request, view) is None:
            return self.console.refused(view)
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                await listings.withdraw_change(session=session, actor=view.actor,
                                               change_id=int(request.path_params["id"]),
                                               now=utcnow())
            except DomainError:
                await session.rollback()
                return page(view, "refused.html", status=403,
                            title=view.gettext("Not allowed"))
            await session.commit()
        return see_other(view, "/console/listings")
