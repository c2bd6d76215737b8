"""What a scan answers: a small accessible HTML page (no script) or the same data as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from api.types.common import to_global_id
from core.language import pick
from media.store import MediaStore
from qr.service import ScanView, ViewpointLink
from tours.models import Narration
from tours.stops import pick_narration

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "ko": "한국어", "zh": "中文",
                  "ja": "日本語", "fr": "Français"}
#: The page's own words, per language (English for the others).
WORDS: dict[str, dict[str, str]] = {
    "vi": {"languages": "Ngôn ngữ", "transcript": "Lời thuyết minh", "stops": "Các điểm tham quan",
           "view360": "Xem góc nhìn 360°", "download": "Tải tệp âm thanh",
           "machine": "Bản dịch máy", "code": "Mã", "here": "đang xem",
           "missing": "Không tìm thấy mã này",
           "missing_text": "Mã QR này không tồn tại hoặc đã ngừng sử dụng. Vui lòng hỏi nhân viên "
                           "tại điểm tham quan.",
           "busy": "Quá nhiều yêu cầu", "busy_text": "Vui lòng thử lại sau ít phút.",
           "no_audio": "Chưa có bản thuyết minh bằng ngôn ngữ này."},
    "en": {"languages": "Languages", "transcript": "Transcript", "stops": "Stops on this site",
           "view360": "See this view in 360°", "download": "Download the audio",
           "machine": "Machine translation", "code": "Code", "here": "you are here",
           "missing": "This code was not found",
           "missing_text": "This QR code does not exist or is no longer in use. Please ask the "
                           "staff on site.",
           "busy": "Too many requests", "busy_text": "Please try again in a minute.",
           "no_audio": "No narration in this language yet."},
    "fr": {"languages": "Langues", "transcript": "Transcription", "stops": "Étapes du site",
           "view360": "Voir en 360°", "download": "Télécharger l’audio",
           "machine": "Traduction automatique", "code": "Code", "here": "vous êtes ici",
           "missing": "Code introuvable",
           "missing_text": "Ce code QR n’existe pas ou n’est plus utilisé. Adressez-vous au "
                           "personnel du site.",
           "busy": "Trop de requêtes", "busy_text": "Réessayez dans une minute.",
           "no_audio": "Pas encore de commentaire dans cette langue."},
}
CSS = (
    "*{box-sizing:border-box}body{margin:0;font:1.0625rem/1.55 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1b1b1b;background:#faf8f4}"
    "header,main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}"
    "header{padding-top:.75rem}.site{margin:0;color:#6b4e16;font-weight:600}"
    "h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}"
    "h2{font-size:1.15rem;margin:1.5rem 0 .5rem}"
    "nav ul{list-style:none;margin:.5rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}"
    "nav a{display:inline-block;min-width:2.75rem;min-height:2.75rem;padding:.55rem .8rem;"
    "border:1px solid #8a6d2f;border-radius:.5rem;text-decoration:none;color:#5a3f0c}"
    "nav a[aria-current]{background:#5a3f0c;color:#fff}"
    "audio{width:100%;margin:.5rem 0}.meta{color:#555;font-size:.9rem;margin:0}"
    ".view{display:inline-block;margin:1rem 0;padding:.7rem 1rem;background:#0b5c4b;color:#fff;"
    "border-radius:.5rem;text-decoration:none;font-weight:600}"
    ".transcript p{margin:.35rem 0}ol{padding-left:1.4rem}li{margin:.4rem 0}"
    "a{color:#0b4f8a}a:focus,audio:focus{outline:3px solid #e0a100;outline-offset:2px}"
    "footer{color:#555;font-size:.85rem;padding-bottom:2rem}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff}"
)


def words(lang: str) -> dict[str, str]:
    """The page's words in a language (English when it has none)."""
    return WORDS.get(lang.split("-")[0], WORDS["en"])


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


def _narration_data(narration: Narration, store: MediaStore) -> dict[str, Any]:
    return {"lang": narration.lang, "url": store.url(narration.audio_key),
            "type": narration.audio_type, "durationSeconds": narration.duration_s,
            "transcript": narration.transcript_text,
            "transcriptUrl": store.url(narration.transcript_key),
            "translation": narration.translation}


def scan_data(view: ScanView, chain: tuple[str, ...], store: MediaStore) -> Page:
    """The scan's content in the visitor's language: what the JSON answer carries and the
    HTML page shows."""
    destination_name = pick(view.destination.name, chain)
    data: dict[str, Any] = {
        "code": view.qr.code,
        "target": {"kind": view.qr.target_kind,
                   "id": to_global_id(view.qr.target_kind.title(), view.qr.target_id or 0)},
        "destination": {"id": to_global_id("Destination", view.destination.id),
                        "name": destination_name.text if destination_name else
                        view.destination.slug},
        "stop": None, "narration": None, "viewpoint": None,
    }
    languages = set(view.destination.name)
    lang = destination_name.lang if destination_name else chain[0]
    if view.stop is not None:
        title = pick(view.stop.title, chain)
        text = pick(view.stop.text, chain)
        narration = pick_narration(view.narrations, chain)
        languages = set(view.stop.title) | {n.lang for n in view.narrations}
        lang = narration.lang if narration else (title.lang if title else lang)
        data["stop"] = {"id": to_global_id("Stop", view.stop.id),
                        "title": title.text if title else "", "titleLang": title.lang if title
                        else lang, "text": text.text if text else None,
                        "position": view.stop.position}
        data["narration"] = _narration_data(narration, store) if narration else None
    elif view.scene is not None:
        title = pick(view.scene.title, chain)
        data["scene"] = {"id": to_global_id("Scene", view.scene.id),
                         "title": title.text if title else ""}
    if view.viewpoint is not None:
        link = view.viewpoint
        data["viewpoint"] = {"url": viewpoint_url(link),
                             "tourId": to_global_id("Tour", link.tour_id),
                             "sceneId": to_global_id("Scene", link.scene_id),
                             "yaw": link.yaw, "pitch": link.pitch, "hfov": link.hfov}
    data["lang"] = lang
    data["availableLanguages"] = sorted(languages)
    data["stops"] = []
    for stop in view.stops:
        title = pick(stop.title, chain)
        code = view.stop_codes.get(stop.id)
        data["stops"].append({"id": to_global_id("Stop", stop.id), "position": stop.position,
                              "title": title.text if title else "", "code": code,
                              "url": f"/q/{code}" if code else None,
                              "current": view.stop is not None and stop.id == view.stop.id})
    return Page(lang=lang, data=data)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _shell(lang: str, title: str, body: str) -> str:
    return (f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>')


def render_page(page: Page, *, requested: str) -> str:
    """The visitor's page: title, player, transcript, language switch, viewpoint, route."""
    data, w = page.data, words(requested)
    stop, narration = data["stop"], data["narration"]
    heading = stop["title"] if stop else (data.get("scene") or data["destination"])[
        "title" if data.get("scene") else "name"]
    code = quote(data["code"])
    current = ' aria-current="true"'
    links = "".join(
        f'<li><a href="/q/{code}?lang={quote(tag)}" hreflang="{escape(tag)}" lang="{escape(tag)}"'
        f'{current if tag == page.lang else ""}>'
        f'{escape(LANGUAGE_NAMES.get(tag, tag))}</a></li>' for tag in data["availableLanguages"])
    parts = [f'<a class="skip" href="#main">{escape(heading)}</a><header>'
             f'<p class="site">{escape(data["destination"]["name"])}</p>'
             f'<nav aria-label="{escape(w["languages"])}"><ul>{links}</ul></nav></header>'
             f'<main id="main"><h1>{escape(heading)}</h1>']
    if stop and stop.get("text"):
        parts.append(f'<p>{escape(stop["text"])}</p>')
    if narration:
        machine = f' · {escape(w["machine"])}' if narration["translation"] == "machine" else ""
        parts.append(
            f'<audio controls preload="metadata" lang="{escape(narration["lang"])}" '
            f'aria-label="{escape(heading)}"><source src="{escape(narration["url"])}" '
            f'type="{escape(narration["type"])}"><a href="{escape(narration["url"])}">'
            f'{escape(w["download"])}</a></audio>'
            f'<p class="meta">{_duration(narration["durationSeconds"])} · '
            f'{escape(LANGUAGE_NAMES.get(narration["lang"], narration["lang"]))}{machine}</p>')
    elif stop:
        parts.append(f'<p class="meta">{escape(w["no_audio"])}</p>')
    if data["viewpoint"]:
        parts.append(f'<p><a class="view" href="{escape(data["viewpoint"]["url"])}">'
                     f'{escape(w["view360"])}</a></p>')
    if narration:
        paragraphs = "".join(f"<p>{escape(line)}</p>"
                             for line in narration["transcript"].split("\n"))
        parts.append(f'<section aria-labelledby="transcript-h"><h2 id="transcript-h">'
                     f'{escape(w["transcript"])}</h2><div class="transcript" '
                     f'lang="{escape(narration["lang"])}">{paragraphs}</div></section>')
    if data["stops"]:
        items = []
        for item in data["stops"]:
            label = escape(item["title"])
            if item["current"]:
                items.append(f'<li aria-current="page"><strong>{label}</strong> '
                             f'({escape(w["here"])})</li>')
            elif item["url"]:
                items.append(f'<li><a href="{escape(item["url"])}?lang={quote(page.lang)}">'
                             f'{label}</a></li>')
            else:
                items.append(f"<li>{label}</li>")
        parts.append(f'<section aria-labelledby="stops-h"><h2 id="stops-h">'
                     f'{escape(w["stops"])}</h2><ol>{"".join(items)}</ol></section>')
    parts.append(f'</main><footer><p>{escape(w["code"])}: {escape(data["code"])}</p></footer>')
    return _shell(page.lang, f'{heading} – {data["destination"]["name"]}', "".join(parts))


def render_problem(lang: str, *, busy: bool = False) -> str:
    """The friendly page of an unknown or disabled code (or of a client sending too much)."""
    w = words(lang)
    title, text = (w["busy"], w["busy_text"]) if busy else (w["missing"], w["missing_text"])
    return _shell(lang, title, f'<main id="main"><h1>{escape(title)}</h1>'
                               f'<p>{escape(text)}</p></main>')
