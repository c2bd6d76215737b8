"""QR code images of a URL: PNG and SVG at a chosen size and error-correction level."""

from __future__ import annotations

import io
from enum import StrEnum

from qr.errors import QrError
from qr.errors import QrErrorCode as Code

QUIET_ZONE = 4  # modules of white border the QR specification asks for
MIN_SIZE_PX, MAX_SIZE_PX = 64, 4096


class ErrorCorrection(StrEnum):
    """How much of a code may be damaged and still read: L 7 %, M 15 %, Q 25 %, H 30 %."""

    L = "L"
    M = "M"
    Q = "Q"
    H = "H"


def matrix(data: str, level: ErrorCorrection = ErrorCorrection.M) -> list[list[bool]]:
    """The dark (True) and light modules of the smallest QR symbol holding data, quiet zone
    included."""
    import qrcode  # here, not at start: a cold start that prints no code never needs it

    correction = getattr(qrcode.constants, f"ERROR_CORRECT_{level.value}")
    code = qrcode.QRCode(version=None, error_correction=correction, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def dark_runs(modules: list[list[bool]]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules."""
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def _check_size(size_px: int) -> int:
    if not MIN_SIZE_PX <= size_px <= MAX_SIZE_PX:
        raise QrError(Code.INVALID_QR_SIZE,
                      f"size must be between {MIN_SIZE_PX} and {MAX_SIZE_PX} pixels",
                      field="size")
    return size_px


def png(data: str, *, size_px: int = 512,
        level: ErrorCorrection = ErrorCorrection.M) -> bytes:
    """A PNG of the code, whole modules only, at most size_px wide (at least 2 px a module)."""
    from PIL import Image

    modules = matrix(data, level)
    count = len(modules)
    scale = max(2, _check_size(size_px) // count)
    image = Image.new("1", (count, count), 1)
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    image = image.resize((count * scale, count * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg_path(modules: list[list[bool]], *, x: float = 0, y: float = 0,
             module: float = 1) -> str:
    """The `d` of one SVG path drawing every dark module, placed at (x, y)."""
    return "".join(f"M{x + cx * module:g} {y + cy * module:g}h{n * module:g}v{module:g}"
                   f"h{-n * module:g}z" for cy, cx, n in dark_runs(modules))


def svg(data: str, *, size_px: int = 512, level: ErrorCorrection = ErrorCorrection.M) -> str:
    """A standalone SVG of the code, size_px wide, crisp at any zoom."""
    modules = matrix(data, level)
    count = len(modules)
    size = _check_size(size_px)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {count} {count}" shape-rendering="crispEdges">'
            f'<rect width="{count}" height="{count}" fill="#fff"/>'
            f'<path fill="#000" d="{svg_path(modules)}"/></svg>')
