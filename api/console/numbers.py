"""The console's Numbers (staff): scans, narration plays and tour views of a period (the last 30
days by default) by day, site, language and channel, as charts drawn by the server with a table
beside each, and the CSV of the same rows (`qr.usage.usage_figures` feeds both)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console import charts
from api.console.render import View, headers, page
from api.console.words import VALUE_WORDS
from core.errors import DomainError
from core.language import pick_text
from core.time import local_day
from geo.service import get_destinations
from qr import usage

if TYPE_CHECKING:
    from api.console.app import Console

DEFAULT_DAYS = 30


def routes(console: Console) -> list[Route]:
    """The routes of the Numbers section."""
    views = NumbersViews(console)
    return [Route("/numbers", views.index, methods=["GET"]),
            Route("/numbers.csv", views.export, methods=["GET"])]


def _period(request: Request) -> tuple[date, date] | None:
    """The period asked for (`since`, `until`, ISO days), the last 30 days by default; None
    when a day is not one."""
    until_raw = request.query_params.get("until") or ""
    since_raw = request.query_params.get("since") or ""
    try:
        until = date.fromisoformat(until_raw) if until_raw else local_day()
        since = date.fromisoformat(since_raw) if since_raw else \
            until - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return None
    return since, until


class NumbersViews:
    """Pages of the Numbers section."""

    def __init__(self, console: Console):
        self.console = console

    async def _figures(self, view: View, since: date, until: date
                       ) -> tuple[list[usage.UsageRow], dict[int, str]]:
        """The rows of the period and the names of their sites in the view's language."""
        assert view.actor is not None
        async with self.console.sessions() as session:
            rows = await usage.usage_figures(session=session, actor=view.actor, since=since,
                                             until=until)
            ids = sorted({r.destination_id for r in rows})
            found = await get_destinations(session=session, ids=ids, include_drafts=True)
        chain = (view.lang, "vi", "en")
        return rows, {d.id: pick_text(d.name, chain) or d.slug for d in found if d is not None}

    def _problem(self, view: View, request: Request, message: str) -> Response:
        return page(view, "numbers.html", status=400, title=view.gettext("Numbers"),
                    error=message, since=request.query_params.get("since", "")[:10],
                    until=request.query_params.get("until", "")[:10], figures=None)

    async def _load(self, request: Request
                    ) -> Response | tuple[View, date, date, list[usage.UsageRow], dict[int, str]]:
        """The view and the figures of the period asked for, or the answer instead: the
        sign-in form, a refusal, or the form again with what is wrong with the period."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        period = _period(request)
        if period is None:
            return self._problem(view, request, view.gettext("Give the days as YYYY-MM-DD."))
        since, until = period
        try:
            rows, names = await self._figures(view, since, until)
        except DomainError:
            return self._problem(view, request, view.gettext(
                "The period must run forward and span at most {days} days.",
                days=usage.MAX_DAYS))
        return view, since, until, rows, names

    async def index(self, request: Request) -> Response:
        """The figures of a period as charts and tables."""
        loaded = await self._load(request)
        if isinstance(loaded, Response):
            return loaded
        view, since, until, rows, names = loaded
        return page(view, "numbers.html", title=view.gettext("Numbers"), error=None,
                    since=since.isoformat(), until=until.isoformat(),
                    figures=self._figures_view(view, rows, names, since, until))

    def _figures_view(self, view: View, rows: list[usage.UsageRow], names: dict[int, str],
                      since: date, until: date) -> dict[str, Any]:
        days = charts.days_of(since, until)
        by_day = usage.totals_by(rows, lambda r: r.day)
        by_site = usage.totals_by(sorted(rows, key=lambda r: names.get(r.destination_id, "")),
                                  lambda r: names.get(r.destination_id, r.site))
        by_lang = usage.totals_by(sorted(rows, key=lambda r: r.lang), lambda r: r.lang)
        by_channel = usage.totals_by(sorted(rows, key=lambda r: r.channel),
                                     lambda r: view.gettext(VALUE_WORDS.get(r.channel,
                                                                            r.channel)))
        return {"total": usage.totals(rows), "rows": len(rows),
                "days": [(d, by_day.get(d, usage.Totals())) for d in days],
                "day_chart": charts.day_chart(days, by_day),
                "groups": [
                    ("site", view.gettext("By site"), view.gettext("Site"), by_site,
                     charts.share_chart(by_site)),
                    ("lang", view.gettext("By language"), view.gettext("Language"), by_lang,
                     charts.share_chart(by_lang)),
                    ("channel", view.gettext("By channel"), view.gettext("Channel"),
                     by_channel, charts.share_chart(by_channel))]}

    async def export(self, request: Request) -> Response:
        """The figures of a period as CSV: one line per day, site, language and channel."""
        loaded = await self._load(request)
        if isinstance(loaded, Response):
            return loaded
        view, since, until, rows, _names = loaded
        name = f"numbers-{since.isoformat()}-{until.isoformat()}.csv"
        return Response(usage.usage_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={**headers(view),
                                 "Content-Disposition": f'attachment; filename="{name}"'})
