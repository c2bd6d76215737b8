"""The console's review queue (staff): pending listing changes, each compared field by field
with the public listing (texts per language, photos as previews), approved or rejected with a
reason; the owner who proposed it is told by e-mail and sees it in the console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from accounts.models import Account
from api.console.render import View, page, see_other
from core.errors import DomainError
from core.language import pick_text
from core.paging import PageRequest
from core.time import as_utc, utcnow
from geo.listings import service as listings
from geo.listings.models import ListingChange
from geo.listings.review import ChangeReview, review_change
from geo.service import get_destinations

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of the review queue."""
    views = ReviewViews(console)
    return [Route("/review", views.queue, methods=["GET"]),
            Route("/review/{id:int}", views.detail, methods=["GET"]),
            Route("/review/{id:int}/decide", views.decide, methods=["POST"])]


def photo_previews(review: ChangeReview, store: Any, ids: list[Any] | None
                   ) -> list[dict[str, str]]:
    """Thumbnails of a photo list (ids or stored photo entries) for the page."""
    shown = []
    for item in ids or []:
        photo_id = item["id"] if isinstance(item, dict) else item
        variants = review.photos.get(photo_id) or (item.get("variants") if isinstance(
            item, dict) else None) or {}
        thumbnail = variants.get("thumbnail") or {}
        if thumbnail.get("jpeg"):
            shown.append({"id": str(photo_id), "url": store.url(thumbnail["jpeg"])})
    return shown


class ReviewViews:
    """Pages of the review queue."""

    def __init__(self, console: Console):
        self.console = console

    async def queue(self, request: Request) -> Response:
        """Pending changes, oldest first."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            changes = (await listings.list_changes(
                session=session, actor=view.actor, destination_id=None,
                status=listings.PENDING, page=PageRequest(first=100))).items[::-1]
            places = await get_destinations(session=session, include_drafts=True,
                                            ids=[c.destination_id for c in changes])
            people = {c.proposed_by: await session.get(Account, c.proposed_by)
                      for c in changes}
        rows = [{"id": c.id, "at": as_utc(c.created_at).isoformat(timespec="minutes"),
                 "name": pick_text(d.name, (view.lang, "vi")) if d else "?",
                 "who": getattr(people.get(c.proposed_by), "email", "—"),
                 "fields": sorted(c.fields)} for c, d in zip(changes, places, strict=True)]
        return page(view, "review_queue.html", title=view.gettext("Review queue"), rows=rows)

    async def detail(self, request: Request, *, error: DomainError | None = None,
                     status: int = 200) -> Response:
        """One change: before and after, field by field."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        async with self.console.sessions() as session:
            try:
                review = await review_change(session=session, actor=view.actor,
                                             change_id=int(request.path_params["id"]))
            except DomainError:
                return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
            proposer = await session.get(Account, review.change.proposed_by)
        store = self.console.store
        photos = {d.name: (photo_previews(review, store, d.before),
                           photo_previews(review, store, d.after))
                  for d in review.fields if d.name == "photos"}
        return page(view, "review_detail.html", status=status,
                    title=pick_text(review.destination.name, (view.lang, "vi")),
                    review=review, change=review.change, photos=photos, error=error,
                    proposer=proposer.email if proposer else "—")

    async def decide(self, request: Request) -> Response:
        """Approves or rejects (with a reason) a change; the proposer is told by e-mail."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        fields = await self.console.form(request, view)
        if fields is None:
            return self.console.refused(view)
        assert view.actor is not None
        change_id, now = int(request.path_params["id"]), utcnow()
        async with self.console.sessions() as session:
            try:
                change: ListingChange
                if fields.get("decision") == "approve":
                    change = await listings.approve_change(session=session, actor=view.actor,
                                                           change_id=change_id, now=now)
                else:
                    change = await listings.reject_change(
                        session=session, actor=view.actor, change_id=change_id,
                        reason=fields.get("reason", ""), now=now)
            except DomainError as exc:
                await session.rollback()
                return await self.detail(request, error=exc, status=400)
            approved, reason = change.status == listings.APPROVED, change.reason or ""
            proposer_id, destination_id = change.proposed_by, change.destination_id
            await session.commit()
            proposer = await session.get(Account, proposer_id)
            (place,) = await get_destinations(session=session, ids=[destination_id],
                                              include_drafts=True)
            email = proposer.email if proposer else None
            name = pick_text(place.name, ("vi", "en")) if place else ""
        if email is not None:
            await self.console.send(
                view, to=email,
                subject=(view.gettext("Your change to {name} is published", name=name)
                         if approved else view.gettext("Your change to {name} was not accepted",
                                                       name=name)),
                body=(view.gettext("The department approved your change; the public listing "
                                   "shows it now.\n\n{link}", link=self.console.page_link(
                                       "/console/listings")) if approved else
                      view.gettext("The department did not accept your change. The reason:"
                                   "\n\n{reason}\n\n{link}", reason=reason,
                                   link=self.console.page_link("/console/listings"))))
        return see_other(view, "/console/review")
