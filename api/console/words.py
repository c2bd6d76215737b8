"""The console's words in Vietnamese and English: gettext catalogues (api/locale/, domain
"console"; English is the source), made with Babel (README, Console) and read with the
standard library, so that the deployed function needs no Babel."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from core.language import best_match, language_chain

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "console"
#: The console's languages: the department's and the source's.
LANGUAGES = ("vi", "en")
NAMES = {"vi": "Tiếng Việt", "en": "English"}


def N_(message: str) -> str:
    """Marks a message for the catalogue that is translated later, where it is shown."""
    return message


#: Words the templates show for values (extracted through N_).
VALUE_WORDS = {
    "draft": N_("Draft"), "published": N_("Published"), "editor": N_("Editor"),
    "admin": N_("Administrator"), "owner": N_("Business owner"),
    "pending": N_("Waiting for review"), "approved": N_("Approved"), "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
    "mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"), "thu": N_("Thursday"),
    "fri": N_("Friday"), "sat": N_("Saturday"), "sun": N_("Sunday"),
    "description": N_("Description"), "opening_hours": N_("Opening hours"),
    "special_closures": N_("Special closures"), "prices": N_("Prices"),
    "contact": N_("Contact"), "accessibility": N_("Accessibility"), "photos": N_("Photos"),
    "added": N_("added"), "changed": N_("changed"), "removed": N_("removed"),
    "same": N_("unchanged"), "stale": N_("may be stale"),
    "original": N_("the original"), "human": N_("a translator"),
    "machine": N_("machine translation"),
    "name": N_("Name"), "address": N_("Address"),
    "scans": N_("Scans"), "plays": N_("Plays"), "views": N_("Views"),
    "web": N_("Web page"), "app": N_("App"), "kiosk": N_("Kiosk"),
    # the keys inside a listing's values (geo.listings.checks), as the review shows them
    "phone": N_("Phone"), "email": N_("E-mail"), "website": N_("Website"),
    "wheelchair": N_("Wheelchair access"), "notes": N_("Notes"), "date": N_("From"),
    "until": N_("Until"), "reason": N_("Reason"), "label": N_("Item"),
    "amount_vnd": N_("Price (VND)"),
    # a destination's category (geo.models.Category)
    "museum": N_("Museum"), "relic_site": N_("Relic site"), "pagoda": N_("Pagoda"),
    "temple": N_("Temple"), "communal_house": N_("Communal house"), "church": N_("Church"),
    "park": N_("Park"), "craft_village": N_("Craft village"),
    "eco_tourism": N_("Eco-tourism site"), "beach": N_("Beach"), "resort": N_("Resort"),
    "hotel": N_("Hotel"), "restaurant": N_("Restaurant"), "tour_operator": N_("Tour operator"),
    "shop": N_("Shop"),
}


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The console's catalogue of a language (the English source for "en")."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang])


def console_language(chosen: str | None, accept_language: str | None) -> str:
    """The console's language: the one chosen (cookie or `lang`), else the browser's, else
    Vietnamese."""
    chain = language_chain(chosen, accept_language, strict=False)
    return best_match(LANGUAGES, chain) or "vi"
