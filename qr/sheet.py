"""Print sheets of QR labels on A4: PDF (fpdf2, DejaVu fonts embedded) or SVG pages.

Each label has the code's QR symbol (vector), the stop's title in Vietnamese and in
English, and the short code in large type for typing in by hand.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from qr.images import ErrorCorrection, dark_runs, matrix, svg_path

if TYPE_CHECKING:
    from PIL import ImageFont

#: Debian's fonts-dejavu-core; the Lambda artefact ships them and names their folder.
FONT_DIR = Path(os.environ.get("TOURISM_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FONTS = {"sans": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "mono": "DejaVuSansMono.ttf"}
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 10.0
COLUMNS, ROWS = 3, 4
LABEL_W = (PAGE_W - 2 * MARGIN) / COLUMNS
LABEL_H = (PAGE_H - 2 * MARGIN) / ROWS
QR_MM = 40.0
PT = 25.4 / 72  # one typographic point in millimetres
TITLE_PT, SUBTITLE_PT, CODE_PT = 9.0, 8.0, 15.0
MAX_LABELS = 2000


@dataclass(frozen=True, slots=True)
class Label:
    """One label of a sheet."""

    code: str
    url: str
    title_vi: str
    title_en: str


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def fit_lines(text: str, width: float, measure: Callable[[str], float],
              max_lines: int = 2) -> list[str]:
    """The text wrapped on words to at most max_lines lines of width, the last one cut with
    an ellipsis when it does not fit."""
    lines: list[str] = []
    words = _nfc(text).split(" ")
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and measure(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words or (lines and measure(lines[-1]) > width):
        last = lines[-1] if lines else ""
        rest = f"{last} {' '.join(words)}".strip()
        while rest and measure(rest + "…") > width:
            rest = rest[:-1].rstrip()
        lines[-1:] = [rest + "…"]
    return [line for line in lines if line]


def _font_path(name: str) -> str:
    path = FONT_DIR / FONTS[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: install Debian's fonts-dejavu-core")
    return str(path)


@lru_cache(maxsize=16)
def _pil_font(name: str, size_pt: float) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont  # here: only a sheet measures text

    return ImageFont.truetype(_font_path(name), size=int(size_pt * 10))


def _svg_measure(name: str, size_pt: float) -> Callable[[str], float]:
    font = _pil_font(name, size_pt)
    return lambda text: float(font.getlength(text)) / 10 * PT


def _slots(count: int) -> list[tuple[int, float, float]]:
    """(page, x, y) of the top-left corner of each label."""
    per_page = COLUMNS * ROWS
    return [(i // per_page, MARGIN + (i % COLUMNS) * LABEL_W,
             MARGIN + (i % per_page // COLUMNS) * LABEL_H) for i in range(count)]


def _check(labels: Sequence[Label]) -> None:
    if len(labels) > MAX_LABELS:
        raise ValueError(f"a sheet holds at most {MAX_LABELS} labels")


def pdf_sheet(labels: Sequence[Label], *, level: ErrorCorrection = ErrorCorrection.M) -> bytes:
    """An A4 PDF, twelve labels a page, with the DejaVu fonts embedded."""
    from fpdf import FPDF  # fpdf2 and fontTools load only when a PDF is made

    _check(labels)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("tourism qr sheet")
    pdf.add_font("DejaVu", "", _font_path("sans"))
    pdf.add_font("DejaVu", "B", _font_path("bold"))
    pdf.add_font("DejaVuMono", "", _font_path("mono"))
    text_w = LABEL_W - 6
    page = -1
    for label, (index, x, y) in zip(labels, _slots(len(labels)), strict=True):
        if index != page:
            pdf.add_page()
            page = index
        pdf.set_draw_color(190)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.rect(x, y, LABEL_W, LABEL_H)
        pdf.set_dash_pattern()
        modules = matrix(label.url, level)
        size = QR_MM / len(modules)
        qx, qy = x + (LABEL_W - QR_MM) / 2, y + 2
        pdf.set_fill_color(0)
        bleed = size * 0.04  # overlapping rows leave no hairline seams when rasterized
        for row, col, run in dark_runs(modules):
            pdf.rect(qx + col * size, qy + row * size, run * size + bleed, size + bleed,
                     style="F")
        cursor = qy + QR_MM + 1
        for family, style, pt, text in (("DejaVu", "B", TITLE_PT, label.title_vi),
                                         ("DejaVu", "", SUBTITLE_PT, label.title_en)):
            pdf.set_font(family, style, pt)
            for line in fit_lines(text, text_w, pdf.get_string_width):
                pdf.set_xy(x + 3, cursor)
                pdf.cell(text_w, pt * PT * 1.25, line, align="C")
                cursor += pt * PT * 1.25
        pdf.set_font("DejaVuMono", "", CODE_PT)
        pdf.set_xy(x + 3, y + LABEL_H - CODE_PT * PT * 1.6)
        pdf.cell(text_w, CODE_PT * PT * 1.3, label.code, align="C")
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def svg_sheet(labels: Sequence[Label], *,
              level: ErrorCorrection = ErrorCorrection.M) -> list[str]:
    """A4 SVG pages (millimetre units), twelve labels a page."""
    _check(labels)
    text_w = LABEL_W - 6
    pages: dict[int, list[str]] = {}
    for label, (index, x, y) in zip(labels, _slots(len(labels)), strict=True):
        parts = pages.setdefault(index, [])
        modules = matrix(label.url, level)
        size = QR_MM / len(modules)
        qx, qy = x + (LABEL_W - QR_MM) / 2, y + 2
        parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{LABEL_W:.2f}" '
                     f'height="{LABEL_H:.2f}" fill="none" stroke="#bbb" stroke-width="0.2" '
                     f'stroke-dasharray="1 1"/>')
        parts.append(f'<path d="{svg_path(modules, x=round(qx, 3), y=round(qy, 3), module=size)}"'
                     f' fill="#000" stroke="#000" stroke-width="{size * 0.06:.3f}"/>')
        cursor = qy + QR_MM + 1
        for name, weight, pt, text in (("bold", "bold", TITLE_PT, label.title_vi),
                                       ("sans", "normal", SUBTITLE_PT, label.title_en)):
            for line in fit_lines(text, text_w, _svg_measure(name, pt)):
                cursor += pt * PT * 1.25
                parts.append(f'<text x="{x + LABEL_W / 2:.2f}" y="{cursor - pt * PT * 0.3:.2f}" '
                             f'font-size="{pt * PT:.3f}" font-weight="{weight}" '
                             f'text-anchor="middle">{escape(line)}</text>')
        parts.append(f'<text x="{x + LABEL_W / 2:.2f}" y="{y + LABEL_H - 3:.2f}" '
                     f'font-size="{CODE_PT * PT:.3f}" font-family="DejaVu Sans Mono, monospace" '
                     f'text-anchor="middle">{escape(label.code)}</text>')
    return [
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297" font-family="DejaVu Sans, sans-serif">'
        '<rect width="210" height="297" fill="#fff"/>'
        f'<g>{"".join(pages[i])}</g></svg>'
        for i in sorted(pages)
    ]


class SheetFormat(StrEnum):
    """Formats of a print sheet."""

    PDF = "pdf"
    SVG = "svg"


@dataclass(frozen=True, slots=True)
class RenderedSheet:
    """A sheet ready to print: one PDF, or one SVG document per A4 page."""

    format: SheetFormat
    content_type: str
    documents: list[bytes]


def render_sheet(labels: Sequence[Label], *, format: SheetFormat = SheetFormat.PDF,
                 level: ErrorCorrection = ErrorCorrection.M) -> RenderedSheet:
    """The labels as a print sheet in a format."""
    if format is SheetFormat.PDF:
        return RenderedSheet(format, "application/pdf", [pdf_sheet(labels, level=level)])
    return RenderedSheet(format, "image/svg+xml",
                         [page.encode() for page in svg_sheet(labels, level=level)])
