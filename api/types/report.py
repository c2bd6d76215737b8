"""GraphQL types of the IOC report: its JSON document (schema README, "The IOC report") and
one CSV file per table."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from qr.report import export
from qr.report.service import SCHEMA_VERSION, TABLES, IocReport


@strawberry.type(description="One table of the IOC report as a CSV file.")
class IocReportFile:
    name: str = strawberry.field(description="The file's name: <table>.csv.")
    csv: str


@strawberry.type(description="The IOC report of a month or a quarter (Asia/Ho_Chi_Minh): its "
                 "JSON document and its tables as CSV files.")
class IocReportResult:
    schema_version: str
    period: str
    document: JSON = strawberry.field(description="The report (README, The IOC report).")
    files: list[IocReportFile]

    @classmethod
    def of(cls, report: IocReport) -> IocReportResult:
        """The GraphQL view of a report."""
        return cls(schema_version=SCHEMA_VERSION, period=report.period.label,
                   document=JSON(report.document()),
                   files=[IocReportFile(name=f"{t}.csv", csv=export.table_csv(report, t))
                          for t in TABLES])
