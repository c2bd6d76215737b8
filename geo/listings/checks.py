"""What an owner may put in a listing change, checked field by field before anything is stored."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from core.errors import DomainError
from core.language import LanguageError, normalize_tag
from geo.hours import periods
from geo.listings.errors import ListingError, ListingErrorCode

#: Fields a business owner may propose; everything else (status, ranking, owners, the
#: verified mark, category, name, location) is the department's.
OWNER_FIELDS = ("description", "opening_hours", "special_closures", "prices", "contact",
                "accessibility", "photos")
STAFF_FIELDS = frozenset({"status", "verified", "owner", "owners", "heritage_ranking",
                          "ranking", "category", "slug", "name", "location", "province_code"})
_PHONE = re.compile(r"^\+?[0-9][0-9 .\-()]{5,28}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")
_WEBSITE = re.compile(r"^https?://[^\s<>\"']{3,290}$")
MAX_TEXT = 5000
MAX_PRICES = 30
MAX_CLOSURES = 60
MAX_PHOTOS = 20
MAX_AMOUNT_VND = 1_000_000_000


def _bad(message: str, field: str) -> ListingError:
    return ListingError(ListingErrorCode.INVALID_LISTING_CHANGE, message, field=field)


def _lang(key: Any, field: str) -> str:
    try:
        if isinstance(key, str):
            return normalize_tag(key, field=field)
    except LanguageError:
        pass
    raise _bad(f"{key!r} is not a BCP 47 language tag", field)


def check_texts(value: Any, field: str, *, max_len: int = MAX_TEXT,
                allow_empty: bool = False) -> dict[str, str]:
    """A {language: text} map with BCP 47 keys and bounded texts."""
    if not isinstance(value, dict) or len(value) > 20:
        raise _bad("texts are given per language", field)
    result: dict[str, str] = {}
    for key, text in value.items():
        lang = _lang(key, field)
        if not isinstance(text, str) or len(text) > max_len or "\x00" in text:
            raise _bad(f"a text has at most {max_len} characters", field)
        if not text.strip() and not allow_empty:
            raise _bad("a text cannot be empty", field)
        result[lang] = text.strip()
    return result


def check_closures(value: Any) -> list[dict[str, Any]]:
    """Special closures checked (dates, at most a year each, reasons per language), sorted."""
    if not isinstance(value, list) or len(value) > MAX_CLOSURES:
        raise _bad(f"at most {MAX_CLOSURES} special closures", "specialClosures")
    result = []
    for item in value:
        try:
            start = date.fromisoformat(item["date"])
            until = date.fromisoformat(item.get("until") or item["date"])
        except (TypeError, KeyError, ValueError) as exc:
            raise _bad("a closure has a date YYYY-MM-DD (and an optional until)",
                       "specialClosures") from exc
        if until < start or (until - start).days > 366:
            raise _bad("a closure ends on or after its start, within a year", "specialClosures")
        reason = check_texts(item.get("reason") or {}, "specialClosures", max_len=300)
        result.append({"date": start.isoformat(), "until": until.isoformat(), "reason": reason})
    return sorted(result, key=lambda c: (c["date"], c["until"]))


def _check_prices(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_PRICES:
        raise _bad(f"at most {MAX_PRICES} prices", "prices")
    result = []
    for item in value:
        amount = item.get("amount_vnd") if isinstance(item, dict) else None
        if not isinstance(amount, int) or isinstance(amount, bool) or not (
                0 <= amount <= MAX_AMOUNT_VND):
            raise _bad(f"a price is 0..{MAX_AMOUNT_VND} đồng", "prices")
        label = check_texts(item.get("label") or {}, "prices", max_len=200)
        result.append({"label": label, "amount_vnd": amount})
    return result


def _check_contact(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"phone", "email", "website"}:
        raise _bad("contact has phone, email and website", "contact")
    rules = {"phone": _PHONE, "email": _EMAIL, "website": _WEBSITE}
    result: dict[str, Any] = {}
    for key, rule in rules.items():
        found = value.get(key)
        if found is not None and (not isinstance(found, str) or not rule.match(found.strip())):
            raise _bad(f"{key} is not valid", f"contact.{key}")
        result[key] = found.strip() if isinstance(found, str) else None
    return result


def _check_accessibility(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"wheelchair", "notes"}:
        raise _bad("accessibility has wheelchair and notes", "accessibility")
    wheelchair = value.get("wheelchair")
    if wheelchair is not None and not isinstance(wheelchair, bool):
        raise _bad("wheelchair is true, false or null", "accessibility")
    return {"wheelchair": wheelchair,
            "notes": check_texts(value.get("notes") or {}, "accessibility", max_len=1000)}


def _check_hours(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        periods(value)
    except DomainError as exc:
        raise _bad(exc.message, "openingHours") from exc
    return dict(value)


def check_fields(fields: dict[str, Any], *, current_description: dict[str, str]
                 ) -> dict[str, Any]:
    """The proposed fields, checked and normalized; staff fields and unknown ones refused."""
    staff = sorted(set(fields) & STAFF_FIELDS)
    if staff:
        raise ListingError(ListingErrorCode.STAFF_FIELD,
                           f"only department staff may change {', '.join(staff)}",
                           field=staff[0])
    unknown = sorted(set(fields) - set(OWNER_FIELDS))
    if unknown:
        raise _bad(f"unknown listing fields {unknown}", unknown[0])
    if not fields:
        raise _bad("a change changes at least one field", "fields")
    result: dict[str, Any] = {}
    if "description" in fields:
        given = check_texts(fields["description"], "description", allow_empty=True)
        merged = {**current_description, **given}
        result["description"] = {k: v for k, v in merged.items() if v}
    if "opening_hours" in fields:
        result["opening_hours"] = _check_hours(fields["opening_hours"])
    if "special_closures" in fields:
        result["special_closures"] = check_closures(fields["special_closures"])
    if "prices" in fields:
        result["prices"] = _check_prices(fields["prices"])
    if "contact" in fields:
        result["contact"] = _check_contact(fields["contact"])
    if "accessibility" in fields:
        result["accessibility"] = _check_accessibility(fields["accessibility"])
    if "photos" in fields:
        photos = fields["photos"]
        if not isinstance(photos, list) or len(photos) > MAX_PHOTOS or any(
                not isinstance(p, int) or isinstance(p, bool) for p in photos
        ) or len(set(photos)) != len(photos):
            raise _bad(f"photos are at most {MAX_PHOTOS} distinct photo ids", "photos")
        result["photos"] = list(photos)
    return result
