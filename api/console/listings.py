"""The console for business owners: their listings only, the edit form (descriptions per
language, opening hours, closures, prices, contact, accessibility) that proposes a change for
review, their pending and past changes with the department's answer, and withdrawing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.render import View, page, see_other
from core.errors import DomainError
from core.language import pick_text
from core.paging import PageRequest
from core.time import as_utc, utcnow
from geo.hours import WEEKDAYS
from geo.listings import service as listings
from geo.listings.review import text_rows
from geo.service import get_destinations

if TYPE_CHECKING:
    from api.console.app import Console

TEXT_LANGUAGES = ("vi", "en", "ko", "zh", "ja", "fr")
_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def routes(console: Console) -> list[Route]:
    """The routes of the owners' pages."""
    views = ListingViews(console)
    return [Route("/listings", views.index, methods=["GET"]),
            Route("/listings/{id:int}", views.edit_form, methods=["GET"]),
            Route("/listings/{id:int}", views.propose, methods=["POST"]),
            Route("/changes/{id:int}/withdraw", views.withdraw, methods=["POST"])]


def hours_text(hours: dict[str, Any] | None, day: str) -> str:
    """A weekday's periods as the form shows them ("07:00-11:30, 13:30-17:00")."""
    return ", ".join(f"{a}-{b}" for a, b in (hours or {}).get(day) or [])


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
    hours = content.get("opening_hours")
    values["always_open"] = "1" if hours and hours.get("always_open") else ""
    for day in WEEKDAYS:
        values[f"hours_{day}"] = hours_text(hours, day)
    values["prices"] = "\n".join(
        f"{pick_text(p.get('label'), ('vi', 'en'))} | {p['amount_vnd']}"
        for p in content.get("prices") or [])
    values["closures"] = "\n".join(
        c["date"] + (f"..{c['until']}" if c["until"] != c["date"] else "")
        + (f" {pick_text(c.get('reason'), ('vi', 'en'))}" if c.get("reason") else "")
        for c in content.get("special_closures") or [])
    return values


def _hours(fields: dict[str, str]) -> dict[str, Any] | None:
    if fields.get("always_open"):
        return {"always_open": True}
    hours: dict[str, Any] = {}
    for day in WEEKDAYS:
        text = fields.get(f"hours_{day}", "").strip()
        pairs = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            found = _PERIOD.match(part)
            # an unreadable period is passed on as it is: the listing's checks refuse it
            pairs.append([found.group(1).zfill(5), found.group(2).zfill(5)] if found
                         else [part, part + "?"])
        if pairs:
            hours[day] = pairs
    return hours or None


def _prices(text: str) -> list[dict[str, Any]]:
    prices = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        label, _, amount = line.rpartition("|")
        digits = amount.replace(".", "").replace(",", "").replace("đ", "").strip()
        prices.append({"label": {"vi": label.strip()} if label.strip() else {},
                       "amount_vnd": int(digits) if digits.isdigit() else -1})
    return prices


def _closures(text: str) -> list[dict[str, Any]]:
    closures = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        when, _, reason = line.partition(" ")
        start, _, until = when.partition("..")
        closures.append({"date": start, "until": until or start,
                         "reason": {"vi": reason.strip()} if reason.strip() else {}})
    return closures


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
        "opening_hours": _hours(fields),
        "prices": _prices(fields.get("prices", "")),
        "special_closures": _closures(fields.get("closures", "")),
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
    if bool(fields.get("always_open")) != bool(current["always_open"]) or any(
            fields.get(f"hours_{d}", "").strip() != current[f"hours_{d}"] for d in WEEKDAYS):
        changed["opening_hours"] = wanted["opening_hours"]
    if fields.get("prices", "").strip() != current["prices"]:
        changed["prices"] = wanted["prices"]
    if fields.get("closures", "").strip() != current["closures"]:
        changed["special_closures"] = wanted["special_closures"]
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
                        values: dict[str, str] | None = None, status: int = 200
                        ) -> Response:
        """The edit form of one of the owner's listings."""
        view = await self._signed_in(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        destination_id = int(request.path_params["id"])
        if not (view.actor.is_staff or destination_id in view.actor.destination_ids):
            return page(view, "refused.html", status=403, title=view.gettext("Not allowed"))
        async with self.console.sessions() as session:
            state = await listings.listing_state(session=session, actor=view.actor,
                                                 destination_id=destination_id)
        if state is None:
            return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
        return page(view, "listing_form.html", status=status,
                    title=pick_text(state.destination.name, (view.lang, "vi")),
                    destination_id=destination_id, version=state.version, error=error,
                    values=values or form_values(state.content), weekdays=WEEKDAYS,
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
