"""Short codes, QR images and print sheets, read back by real decoders (zbarimg, pdftotext)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from media.webvtt import TranscriptError, parse_webvtt
from qr import images
from qr.codes import ALPHABET, new_code, normalize_code, scan_url
from qr.errors import QrError
from qr.images import ErrorCorrection
from qr.sheet import Label, fit_lines, pdf_sheet, svg_sheet
from tests.qr.conftest import chromium, decode_labels, zbar


def test_codes_avoid_ambiguous_characters() -> None:
    assert not set("0O1I") & set(ALPHABET) and len(set(ALPHABET)) == 32
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert normalize_code(" thau-22 ") == "THAU22"
    assert normalize_code("THAU2O") is None and normalize_code("A1B2C3") is None
    assert scan_url("https://guide.example.vn/", "THAU22") == "https://guide.example.vn/q/THAU22"


@pytest.mark.parametrize("level", list(ErrorCorrection))
@pytest.mark.parametrize("size", [96, 300, 1000])
def test_png_reads_back_exactly(tmp_path: Path, level: ErrorCorrection, size: int) -> None:
    url = scan_url("http://127.0.0.1:8000", new_code())
    path = tmp_path / "code.png"
    path.write_bytes(images.png(url, size_px=size, level=level))
    assert zbar(path) == [url]
    from PIL import Image

    with Image.open(path) as image:
        assert size // 2 <= image.width <= size


def test_higher_levels_make_bigger_symbols() -> None:
    url = scan_url("http://127.0.0.1:8000", "THAU22")
    sizes = [len(images.matrix(url, level)) for level in ErrorCorrection]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_image_size_is_bounded() -> None:
    with pytest.raises(QrError) as info:
        images.png("http://x/q/ABCD", size_px=10_000)
    assert info.value.code == "INVALID_QR_SIZE"


def test_svg_reads_back_exactly_in_a_browser(tmp_path: Path) -> None:
    url = scan_url("http://127.0.0.1:8000", new_code())
    page = tmp_path / "code.html"
    page.write_text(f"<body style='margin:0;background:#fff'>"
                    f"{images.svg(url, size_px=400, level=ErrorCorrection.H)}</body>")
    shot = tmp_path / "svg.png"
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=500,500", page.as_uri())
    assert shot.is_file(), run.stderr
    assert zbar(shot) == [url]


def _labels(count: int) -> list[Label]:
    titles = [("Chính điện thờ Bà Thiên Hậu", "Main hall of Lady Thien Hau"),
              ("Nhà Bác Hồ ở làng Sen – ngôi nhà tranh năm gian của gia đình cụ Nguyễn Sinh "
               "Sắc, nơi Người sống thời niên thiếu", "Ho Chi Minh's home in Sen Village"),
              ("Đền Đô – nơi thờ tám vị vua nhà Lý", "Do Temple")]
    return [Label(code=(code := new_code()), url=scan_url("http://127.0.0.1:8000", code),
                  title_vi=titles[i % 3][0], title_en=titles[i % 3][1]) for i in range(count)]


def test_pdf_sheet_codes_and_vietnamese_titles_read_back(tmp_path: Path) -> None:
    labels = _labels(14)  # two pages
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(pdf_sheet(labels))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Chính điện thờ Bà Thiên Hậu" in text and "Đền Đô – nơi thờ tám vị vua nhà Lý" in text
    assert "Main hall of Lady Thien Hau" in text
    assert all(label.code in text for label in labels)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    assert sorted(decode_labels(pages, tmp_path, dpi=150)) == sorted(lb.url for lb in labels)



def test_svg_sheet_codes_read_back_in_a_browser(tmp_path: Path) -> None:
    labels = _labels(12)
    (page_svg,) = svg_sheet(labels, level=ErrorCorrection.Q)
    assert "Chính điện thờ Bà Thiên Hậu" in page_svg
    page = tmp_path / "sheet.html"
    sized = page_svg.replace('width="210mm" height="297mm"', 'width="1240" height="1754"')
    page.write_text(f"<body style='margin:0'>{sized}</body>", encoding="utf-8")
    shot = tmp_path / "sheet.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1240,1754", page.as_uri())
    decoded = decode_labels([shot], tmp_path, dpi=int(1240 / 210 * 25.4))
    assert sorted(decoded) == sorted(label.url for label in labels)


def test_long_titles_are_wrapped_and_cut() -> None:
    lines = fit_lines("một hai ba bốn năm sáu bảy tám chín mười", 10, len, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…") and all(len(x) <= 10 for x in lines)
    assert fit_lines("Cổng chùa", 40, len) == ["Cổng chùa"]


@pytest.mark.parametrize(("source", "line"), [
    ("WEBVTT\n00:00.000 --> 00:01.000\nx\n", 2),
    ("WEBVTT\n\n00:01.000 --> 00:00.500\nx\n", 3),
    ("WEBVTT\n\n00:02.000 --> 00:03.000\nx\n\n00:01.000 --> 00:04.000\ny\n", 6),
    ("WEBVTT\n\n00:00.000 --> 00:61.000\nx\n", 3),
    ("WEBVTT\n\n00:00.000 --> 00:01.000\n\n", 3),
    ("WEBVTTX\n\n00:00.000 --> 00:01.000\nx\n", 1),
])
def test_invalid_webvtt_names_the_line(source: str, line: int) -> None:
    with pytest.raises(TranscriptError) as info:
        parse_webvtt(source)
    assert info.value.code == "TRANSCRIPT_INVALID"
    assert f"line {line}" in info.value.message or "no cues" in info.value.message


def test_valid_webvtt_gives_plain_cues() -> None:
    cues = parse_webvtt("\ufeffWEBVTT - Chùa Bà\r\n\r\nNOTE made by hand\r\n\r\nintro\r\n"
                        "00:00.000 --> 00:01.500 align:start\r\n<v Hướng dẫn>Xin "
                        "<b>chào</b> &amp; mời vào\r\n\r\n01:00:00.000 --> 01:00:02.000\r\nHết")
    assert [(c.start_s, c.end_s, c.text) for c in cues] == [
        (0.0, 1.5, "Xin chào & mời vào"), (3600.0, 3602.0, "Hết")]
