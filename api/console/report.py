"""The console's IOC report (staff): a month or a quarter's figures as the province's
operations centre receives them (qr/report), shown as tables and downloaded as the same JSON
and CSV files the scheduled function writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.render import View, headers, page
from core.errors import DomainError
from core.time import local_day, utcnow
from qr.report.export import report_files
from qr.report.period import Period, parse_period, previous_period
from qr.report.service import TABLES, ioc_report

if TYPE_CHECKING:
    from api.console.app import Console


def routes(console: Console) -> list[Route]:
    """The routes of the report page and its files."""
    views = ReportViews(console)
    return [Route("/report", views.index, methods=["GET"]),
            Route("/report/{name:str}", views.download, methods=["GET"])]


class ReportViews:
    """The report page and its downloads."""

    def __init__(self, console: Console):
        self.console = console

    def _period(self, request: Request) -> Period:
        asked = request.query_params.get("period", "").strip()
        today = local_day(utcnow())
        return parse_period(asked, today=today) if asked else previous_period(
            "month", today=today)

    async def index(self, request: Request) -> Response:
        """The report of the period asked for (the last whole month by default)."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        try:
            period = self._period(request)
        except DomainError as exc:
            return page(view, "report.html", status=400, title=view.gettext("IOC report"),
                        error=exc, report=None, period=request.query_params.get("period", ""),
                        tables=TABLES)
        async with self.console.sessions() as session:
            report = await ioc_report(session=session, actor=view.actor, period=period,
                                      now=utcnow())
        return page(view, "report.html", title=view.gettext("IOC report"), error=None,
                    report=report, period=period.label, tables=TABLES)

    async def download(self, request: Request) -> Response:
        """One file of the report: report.json or <table>.csv."""
        view = await self.console.staff_view(request)
        if not isinstance(view, View):
            return view
        assert view.actor is not None
        name = request.path_params["name"]
        try:
            period = self._period(request)
        except DomainError as exc:
            return page(view, "report.html", status=400, title=view.gettext("IOC report"),
                        error=exc, report=None, period="", tables=TABLES)
        async with self.console.sessions() as session:
            files = report_files(await ioc_report(session=session, actor=view.actor,
                                                  period=period, now=utcnow()))
        if name not in files:
            return page(view, "not_found.html", status=404, title=view.gettext("Not found"))
        media = "application/json" if name.endswith(".json") else "text/csv"
        return Response(files[name], media_type=f"{media}; charset=utf-8", headers={
            **headers(view),
            "Content-Disposition": f'attachment; filename="ioc-{period.label}-{name}"'})
