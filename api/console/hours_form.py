"""Opening hours and special closures as the console's forms show and read them: a text per
weekday ("07:00-11:30, 13:30-17:00"), a box for day and night, and one closure a line
("2027-02-16..2027-02-20 Tết"); shared by the owners' listing form and the staff's
destination form. What is unreadable is passed on as it is, for the services' checks to refuse
on its field."""

from __future__ import annotations

import re
from typing import Any

from core.language import pick_text
from geo.hours import WEEKDAYS

_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def hours_text(hours: dict[str, Any] | None, day: str) -> str:
    """A weekday's periods as the form shows them ("07:00-11:30, 13:30-17:00")."""
    return ", ".join(f"{a}-{b}" for a, b in (hours or {}).get(day) or [])


def hours_values(hours: dict[str, Any] | None) -> dict[str, str]:
    """The hours fields of a form (`always_open`, `hours_mon`...) from an hours document."""
    values = {"always_open": "1" if hours and hours.get("always_open") else ""}
    for day in WEEKDAYS:
        values[f"hours_{day}"] = hours_text(hours, day)
    return values


def hours_document(fields: dict[str, str]) -> dict[str, Any] | None:
    """The hours document of a posted form (None: no hours given)."""
    if fields.get("always_open"):
        return {"always_open": True}
    hours: dict[str, Any] = {}
    for day in WEEKDAYS:
        text = fields.get(f"hours_{day}", "").strip()
        pairs = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            found = _PERIOD.match(part)
            # an unreadable period is passed on as it is: the services' checks refuse it
            pairs.append([found.group(1).zfill(5), found.group(2).zfill(5)] if found
                         else [part, part + "?"])
        if pairs:
            hours[day] = pairs
    return hours or None


def hours_changed(fields: dict[str, str], current: dict[str, str]) -> bool:
    """Whether a posted form's hours differ from the ones it was shown with."""
    return bool(fields.get("always_open")) != bool(current["always_open"]) or any(
        fields.get(f"hours_{d}", "").strip() != current[f"hours_{d}"] for d in WEEKDAYS)


def closures_text(closures: list[dict[str, Any]] | None) -> str:
    """Special closures as the form shows them, one a line."""
    return "\n".join(
        c["date"] + (f"..{c['until']}" if c["until"] != c["date"] else "")
        + (f" {pick_text(c.get('reason'), ('vi', 'en'))}" if c.get("reason") else "")
        for c in closures or [])


def closures_document(text: str) -> list[dict[str, Any]]:
    """The special closures of a form's text (the reason taken as Vietnamese)."""
    closures = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        when, _, reason = line.partition(" ")
        start, _, until = when.partition("..")
        closures.append({"date": start, "until": until or start,
                         "reason": {"vi": reason.strip()} if reason.strip() else {}})
    return closures


def lines_changed(text: str, current: str) -> bool:
    """Whether a posted text of lines differs from the one shown (browsers send CRLF)."""
    def lines(value: str) -> list[str]:
        return [line.strip() for line in value.splitlines() if line.strip()]

    return lines(text) != lines(current)
