"""What a scan answers: a small accessible HTML page (no script; templates/qr/) or the same
data as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from api.pages import INTERFACE_LANGUAGES, interface_language, render
from api.types.common import to_global_id
from core.language import page_chain, page_language, pick
from media.store import MediaStore
from qr.service import ScanView, ViewpointLink
from tours.models import Narration
from tours.plays import play_path
from tours.stops import audio_sources, pick_narration

#: The language switch names each language in itself.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "ko": "한국어", "zh": "中文",
                  "ja": "日本語", "fr": "Français"}


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered answer and what the scan is counted under."""

    lang: str
    data: dict[str, Any]


def viewpoint_url(link: ViewpointLink) -> str:
    """The tours viewer opened at the matching scene and angles."""
    query = urlencode({"scene": to_global_id("Scene", link.scene_id), "yaw": f"{link.yaw:g}",
                       "pitch": f"{link.pitch:g}", "hfov": f"{link.hfov:g}"})
    return f"/tours/{to_global_id('Tour', link.tour_id)}?{query}"


def _narration_data(narration: Narration | None, store: MediaStore) -> dict[str, Any] | None:
    if narration is None:
        return None
    return {"lang": narration.lang, "url": play_path(narration.id, narration.audio_type),
            "type": narration.audio_type, "durationSeconds": narration.duration_s,
            "sources": [{"url": play_path(narration.id, s.content_type), "type": s.content_type}
                        for s in audio_sources(narration)],
            "transcript": narration.transcript_text,
            "transcriptUrl": store.url(narration.transcript_key),
            "translation": narration.translation}


def _content_languages(view: ScanView) -> set[str]:
    """The languages the page's main content exists in: a stop's title, text and narrations,
    a site's name, description and narrations, a scene's title."""
    if view.stop is not None:
        return (set(view.stop.title) | set(view.stop.text or {})
                | {n.lang for n in view.narrations})
    if view.scene is not None:
        return set(view.scene.title)
    return (set(view.destination.name) | set(view.destination.description or {})
            | {n.lang for n in view.narrations})


def scan_data(view: ScanView, chain: tuple[str, ...], store: MediaStore) -> Page:
    """The scan's content in one language where the content allows: the page's language is
    the one its main content serves the visitor's chain in (else the first of the chain the
    pages speak); every text is picked along that language first, and says which language it
    is really in (`…Lang`) so that a fallback can be marked. What the JSON answer carries and
    the HTML page shows."""
    lang = page_language(_content_languages(view), chain, INTERFACE_LANGUAGES)
    along = page_chain(lang, chain)
    name = pick(view.destination.name, along)
    description = pick(view.destination.description, along) if view.stop is None \
        and view.scene is None else None
    data: dict[str, Any] = {
        "code": view.qr.code, "lang": lang,
        "target": {"kind": view.qr.target_kind,
                   "id": to_global_id(view.qr.target_kind.title(), view.qr.target_id or 0)},
        "destination": {"id": to_global_id("Destination", view.destination.id),
                        "name": name.text if name else view.destination.slug,
                        "nameLang": name.lang if name else lang,
                        "description": description.text if description else None,
                        "descriptionLang": description.lang if description else None},
        "stop": None, "scene": None, "viewpoint": None, "tour": None,
        "narration": _narration_data(pick_narration(view.narrations, along), store),
    }
    languages = set(view.destination.name)
    if view.stop is not None:
        title, text = pick(view.stop.title, along), pick(view.stop.text, along)
        languages = set(view.stop.title) | {n.lang for n in view.narrations}
        data["stop"] = {"id": to_global_id("Stop", view.stop.id),
                        "title": title.text if title else "",
                        "titleLang": title.lang if title else lang,
                        "text": text.text if text else None,
                        "textLang": text.lang if text else None,
                        "position": view.stop.position}
    elif view.scene is not None:
        title = pick(view.scene.title, along)
        data["scene"] = {"id": to_global_id("Scene", view.scene.id),
                         "title": title.text if title else "",
                         "titleLang": title.lang if title else lang}
    else:
        languages |= set(view.destination.description or {}) | {n.lang for n in view.narrations}
    if view.viewpoint is not None:
        link = view.viewpoint
        data["viewpoint"] = {"url": viewpoint_url(link),
                             "tourId": to_global_id("Tour", link.tour_id),
                             "sceneId": to_global_id("Scene", link.scene_id),
                             "yaw": link.yaw, "pitch": link.pitch, "hfov": link.hfov}
    if view.tour is not None:
        tour_title = pick(view.tour.title, along)
        tour_id = to_global_id("Tour", view.tour.id)
        data["tour"] = {"id": tour_id, "url": f"/tours/{tour_id}",
                        "title": tour_title.text if tour_title else "",
                        "titleLang": tour_title.lang if tour_title else lang}
    data["availableLanguages"] = sorted(languages)
    data["stops"] = []
    for stop in view.stops:
        title = pick(stop.title, along)
        code = view.stop_codes.get(stop.id)
        data["stops"].append({"id": to_global_id("Stop", stop.id), "position": stop.position,
                              "title": title.text if title else "",
                              "titleLang": title.lang if title else lang, "code": code,
                              "url": f"/q/{code}" if code else None,
                              "current": view.stop is not None and stop.id == view.stop.id})
    return Page(lang=lang, data=data)


def _duration(seconds: float) -> str:
    whole = int(seconds)  # whole seconds, as the browser's player shows the length
    return f"{whole // 60}:{whole % 60:02d}"


def _heading(data: dict[str, Any]) -> tuple[str, str]:
    if data["stop"]:
        return str(data["stop"]["title"]), str(data["stop"]["titleLang"])
    if data["scene"]:
        return str(data["scene"]["title"]), str(data["scene"]["titleLang"])
    return str(data["destination"]["name"]), str(data["destination"]["nameLang"])


def render_page(page: Page, *, feedback_token: str = "") -> str:
    """The visitor's page in its language: title, player, transcript, language switch,
    viewpoint, the site's description and tour, the route; each text shown in another
    language carries its `lang` and a note saying so; the feedback form when given its
    signed token (api/feedback_tokens.py)."""
    data, narration = page.data, page.data["narration"]
    heading, heading_lang = _heading(data)
    return render("qr/scan.html", lang=page.lang, data=data, stop=data["stop"],
                  narration=narration, heading=heading, heading_lang=heading_lang,
                  names=LANGUAGE_NAMES, title=f'{heading} – {data["destination"]["name"]}',
                  duration=_duration(narration["durationSeconds"]) if narration else "",
                  transcript=narration["transcript"].split("\n") if narration else [],
                  feedback_token=feedback_token)


def render_unavailable(chain: Sequence[str]) -> str:
    """The friendly page shown while the service cannot reach its database."""
    return render("qr/problem.html", lang=interface_language(chain), problem="unavailable")


def render_problem(chain: Sequence[str], *, busy: bool = False) -> str:
    """The friendly page of an unknown or disabled code (or of a client sending too much)."""
    return render("qr/problem.html", lang=interface_language(chain),
                  problem="busy" if busy else "missing")
