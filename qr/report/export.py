"""The IOC report written out: its JSON document, and one CSV file per table (RFC 4180, a
header line of the table's columns; true/false, and an empty cell for no value)."""

from __future__ import annotations

import csv
import io
import json

from qr.report.service import TABLES, IocReport


def report_json(report: IocReport) -> str:
    """The report's JSON document (UTF-8, keys in schema order)."""
    return json.dumps(report.document(), ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def table_csv(report: IocReport, table: str) -> str:
    """One table of the report as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TABLES[table])
    for row in report.tables[table]:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def report_files(report: IocReport) -> dict[str, str]:
    """The files of the report by name: report.json and <table>.csv for each table."""
    return {"report.json": report_json(report),
            **{f"{table}.csv": table_csv(report, table) for table in TABLES}}
