"""What a scan answers: a small accessible HTML page (no script; templates/qr/) or the same
data as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from api.pages import render
from api.types.common import to_global_id
from core.language import pick
from media.store import MediaStore
from qr.service import ScanView, ViewpointLink
from tours.models import Narration
from tours.stops import audio_sources, pick_narration

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
           "unavailable": "Dịch vụ tạm thời gián đoạn",
           "unavailable_text": "Vui lòng thử lại sau vài giây.",
           "no_audio": "Chưa có bản thuyết minh bằng ngôn ngữ này."},
    "en": {"languages": "Languages", "transcript": "Transcript", "stops": "Stops on this site",
           "view360": "See this view in 360°", "download": "Download the audio",
           "machine": "Machine translation", "code": "Code", "here": "you are here",
           "missing": "This code was not found",
           "missing_text": "This QR code does not exist or is no longer in use. Please ask the "
                           "staff on site.",
           "busy": "Too many requests", "busy_text": "Please try again in a minute.",
           "unavailable": "Briefly unavailable",
           "unavailable_text": "Please try again in a few seconds.",
           "no_audio": "No narration in this language yet."},
    "fr": {"languages": "Langues", "transcript": "Transcription", "stops": "Étapes du site",
           "view360": "Voir en 360°", "download": "Télécharger l’audio",
           "machine": "Traduction automatique", "code": "Code", "here": "vous êtes ici",
           "missing": "Code introuvable",
           "missing_text": "Ce code QR n’existe pas ou n’est plus utilisé. Adressez-vous au "
                           "personnel du site.",
           "busy": "Trop de requêtes", "busy_text": "Réessayez dans une minute.",
           "unavailable": "Service momentanément indisponible",
           "unavailable_text": "Réessayez dans quelques secondes.",
           "no_audio": "Pas encore de commentaire dans cette langue."},
}
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
            "sources": [{"url": store.url(s.key), "type": s.content_type}
                        for s in audio_sources(narration)],
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


def _heading(data: dict[str, Any]) -> str:
    if data["stop"]:
        return str(data["stop"]["title"])
    if data.get("scene"):
        return str(data["scene"]["title"])
    return str(data["destination"]["name"])


def render_page(page: Page, *, requested: str) -> str:
    """The visitor's page: title, player, transcript, language switch, viewpoint, route."""
    data, heading, narration = page.data, _heading(page.data), page.data["narration"]
    return render("qr/scan.html", lang=page.lang, data=data, stop=data["stop"],
                  narration=narration, heading=heading, w=words(requested),
                  names=LANGUAGE_NAMES, title=f'{heading} – {data["destination"]["name"]}',
                  duration=_duration(narration["durationSeconds"]) if narration else "",
                  transcript=narration["transcript"].split("\n") if narration else [])


def render_unavailable(lang: str) -> str:
    """The friendly page shown while the service cannot reach its database."""
    w = words(lang)
    return render("qr/problem.html", lang=lang, title=w["unavailable"],
                  text=w["unavailable_text"])


def render_problem(lang: str, *, busy: bool = False) -> str:
    """The friendly page of an unknown or disabled code (or of a client sending too much)."""
    w = words(lang)
    title, text = (w["busy"], w["busy_text"]) if busy else (w["missing"], w["missing_text"])
    return render("qr/problem.html", lang=lang, title=title, text=text)
