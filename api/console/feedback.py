"""The console's visitor feedback (staff): every site's items with what is open and overdue;
one item with its contact (staff only), its status moved on, assigned to the site's
management board, answered (the visitor's tracking page shows it; a visitor who left an
e-mail gets it), or merged into the item it duplicates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.render import View, page, see_other
from api.feedback_mail import answer_mail
from core.errors import DomainError
from core.language import pick_text
from core.time import LOCAL_TZ, as_utc, utcnow
from geo.service import get_destinations
from qr.feedback import handling
from qr.feedback.handling import MOVES
from qr.feedback.models import Feedback, Status

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of the feedback section."""
    views = FeedbackViews(console)
    return [Route("/feedback", views.sites, methods=["GET"]),
            Route("/feedback/site/{id:int}", views.site, methods=["GET"]),
            Route("/feedback/{id:int}", views.detail, methods=["GET"]),
            Route("/feedback/{id:int}", views.handle, methods=["POST"]),
            Route("/feedback/{id:int}/merge", views.merge, methods=["POST"])]


def _local(moment: Any) -> str:
    return as_utc(moment).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


class FeedbackViews:
    """Pages of the feedback section."""

    def __init__(self, console: Console):
        self.console = console

    async def _posted(self, request: Request) -> tuple[View, dict[str, str]] | Response:
        """A staff member's form with its CSRF token checked, or the answer that refuses it."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        return view, fields

    def _row(self, item: Feedback, now: Any) -> dict[str, Any]:
        return {"id": item.id, "code": item.tracking_code, "category": item.category,
                "status": item.status, "received": _local(item.created_at),
                "due": _local(item.due_at), "overdue": handling.is_overdue(item, now),
                "merged": item.merged_into_id is not None, "text": item.text[:140],
                "lang": item.lang, "assigned_to": item.assigned_to or ""}

    async def sites(self, request: Request) -> Response:
        """Every site with feedback: open and overdue items."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            summaries = await handling.site_summaries(session=session, actor=view.actor,
                                                      now=utcnow())
            places = await get_destinations(session=session, include_drafts=True,
                                            ids=[s.destination_id for s in summaries])
        rows = [{"id": s.destination_id, "open": s.open, "overdue": s.overdue, "total": s.total,
                 "name": pick_text(d.name, (view.lang, "vi")) if d else "?"}
                for s, d in zip(summaries, places, strict=True)]
        return page(view, "feedback_sites.html", title=view.gettext("Visitor feedback"),
                    rows=rows)

    async def site(self, request: Request) -> Response:
        """A site's items: open ones by target time (overdue flagged), then the closed."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        destination_id, now = int(request.path_params["id"]), utcnow()
        async with self.console.sessions() as session:
            (place,) = await get_destinations(session=session, include_drafts=True,
                                              ids=[destination_id])
            if place is None:
                return page(view, "not_found.html", status=404,
                            title=view.gettext("Not found"))
            items = await handling.site_feedback(session=session, actor=view.actor,
                                                 destination_id=destination_id)
        return page(view, "feedback_list.html", title=view.gettext(
            "Feedback about {name}", name=pick_text(place.name, (view.lang, "vi"))),
            rows=[self._row(i, now) for i in items])

    async def detail(self, request: Request, *, error: DomainError | None = None,
                     status: int = 200, notice: str | None = None) -> Response:
        """One item: the visitor's text, photo and contact, and the forms that handle it."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                item = await handling.get_feedback(session=session, actor=view.actor,
                                                   feedback_id=int(request.path_params["id"]))
            except DomainError:
                return page(view, "not_found.html", status=404,
                            title=view.gettext("Not found"))
            merged_into = await session.get(Feedback, item.merged_into_id) \
                if item.merged_into_id else None
        photo = (item.photo or {}).get("medium") or (item.photo or {}).get("large") or {}
        return page(view, "feedback_detail.html", status=status, title=item.tracking_code,
                    item=item, row=self._row(item, utcnow()), error=error, notice=notice,
                    moves=sorted(m.value for m in MOVES[Status(item.status)]),
                    photo_url=self.console.store.url(photo["jpeg"]) if photo.get("jpeg")
                    else None, merged_into=merged_into.tracking_code if merged_into else None,
                    emailable=bool(item.contact and "@" in item.contact))

    async def handle(self, request: Request) -> Response:
        """Moves the status on, assigns, answers; the answer goes to the visitor's e-mail."""
        posted = await self._posted(request)
        if not isinstance(posted, tuple):
            return posted
        view, fields = posted
        assert view.actor is not None
        feedback_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            try:
                before = await handling.get_feedback(session=session, actor=view.actor,
                                                     feedback_id=feedback_id)
                old_answer = before.answer
                item = await handling.handle_feedback(
                    session=session, actor=view.actor, feedback_id=feedback_id,
                    status=fields.get("status") or None,
                    assigned_to=fields.get("assigned_to"), answer=fields.get("answer"),
                    now=utcnow())
            except DomainError as exc:
                await session.rollback()
                return await self.detail(request, error=exc, status=400)
            answered = bool(item.answer) and item.answer != old_answer
            mail = (item.contact, item.lang, item.tracking_code, item.answer)
            await session.commit()
        contact, lang, code, answer = mail
        if answered and contact and "@" in contact and answer and fields.get("notify") == "1":
            subject, body = answer_mail(lang=lang, tracking_code=code, answer=answer,
                                        public_base_url=self.console.public_base_url)
            await self.console.send(view, to=contact, subject=subject, body=body)
        return see_other(view, f"/console/feedback/{feedback_id}")

    async def merge(self, request: Request) -> Response:
        """Merges the item into another of the same site, by its tracking code."""
        posted = await self._posted(request)
        if not isinstance(posted, tuple):
            return posted
        view, fields = posted
        assert view.actor is not None
        feedback_id = int(request.path_params["id"])
        async with self.console.sessions() as session:
            try:
                await handling.merge_feedback(session=session, actor=view.actor,
                                              feedback_id=feedback_id,
                                              into_tracking_code=fields.get("into", ""),
                                              now=utcnow())
            except DomainError as exc:
                await session.rollback()
                return await self.detail(request, error=exc, status=400)
            await session.commit()
        return see_other(view, f"/console/feedback/{feedback_id}")
