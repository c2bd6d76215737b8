"""How soon the department aims to answer each category of feedback, and what a tracking
code looks like."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from core.time import LOCAL_TZ
from qr.codes import ALPHABET
from qr.feedback.models import Category

#: The target time of each category, from the moment the item is received (a safety report
#: within a day; a suggestion or praise within two weeks).
TARGET_HOURS: dict[Category, int] = {
    Category.SAFETY: 24,
    Category.NOT_WORKING: 72,
    Category.CLEANLINESS: 48,
    Category.PRICES: 72,
    Category.WRONG_INFORMATION: 120,
    Category.ACCESSIBILITY: 168,
    Category.SUGGESTION: 336,
    Category.PRAISE: 336,
}
#: Symbols after the year: 32^8 (2^40) codes a year, so that a code cannot be guessed.
TRACKING_SYMBOLS = 8


def due_at(category: Category, received_at: datetime) -> datetime:
    """When an item of a category received at a moment should be answered."""
    return received_at + timedelta(hours=TARGET_HOURS[category])


def new_tracking_code(received_at: datetime) -> str:
    """A fresh tracking code like the hotline's reference numbers: PA-<local year>-<symbols>
    (PA: phản ánh, a citizen's report)."""
    year = received_at.astimezone(LOCAL_TZ).year
    return f"PA-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(TRACKING_SYMBOLS))


def normalize_tracking_code(typed: str) -> str | None:
    """A tracking code as typed (any case, spaces), or None when it cannot be one."""
    code = typed.strip().upper().replace(" ", "")
    parts = code.split("-")
    if (len(parts) != 3 or parts[0] != "PA" or not parts[1].isdigit() or len(parts[1]) != 4
            or len(parts[2]) != TRACKING_SYMBOLS or any(c not in ALPHABET for c in parts[2])):
        return None
    return code
