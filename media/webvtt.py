"""WebVTT transcripts: validation after the W3C WebVTT file format, and the cues' plain text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from media.errors import MediaError
from media.errors import MediaErrorCode as Code

MAX_TRANSCRIPT_BYTES = 256 * 1024
MAX_CUES = 5000
_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+(.*))?$")
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_TAG = re.compile(r"<[^>]*>")


class TranscriptError(MediaError):
    """A transcript that is not valid WebVTT."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One timed piece of a transcript."""

    start_s: float
    end_s: float
    text: str


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = groups
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) \
        + int(millis or 0) / 1000


def _bad(message: str, line: int | None = None) -> TranscriptError:
    where = f" (line {line})" if line is not None else ""
    return TranscriptError(Code.TRANSCRIPT_INVALID,
                           f"transcript is not valid WebVTT: {message}{where}",
                           field="transcript")


def _plain(payload: list[str]) -> str:
    return html.unescape(_TAG.sub("", "\n".join(payload))).strip()


def parse_webvtt(source: str | bytes) -> list[Cue]:
    """The cues of a WebVTT file; TranscriptError with a line number when it is not valid."""
    if isinstance(source, bytes):
        if len(source) > MAX_TRANSCRIPT_BYTES:
            raise _bad(f"larger than {MAX_TRANSCRIPT_BYTES} bytes")
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad("not UTF-8") from exc
    if len(source.encode("utf-8")) > MAX_TRANSCRIPT_BYTES:
        raise _bad(f"larger than {MAX_TRANSCRIPT_BYTES} bytes")
    if "\x00" in source:
        raise _bad("contains a NUL character")
    lines = source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _HEADER.match(lines[0]):
        raise _bad('the first line must be "WEBVTT"', 1)
    index = 1
    while index < len(lines) and lines[index] != "":  # header block (metadata lines)
        if "-->" in lines[index]:
            raise _bad("a blank line must follow the header", index + 1)
        index += 1
    cues: list[Cue] = []
    while index < len(lines):
        if lines[index] == "":
            index += 1
            continue
        block_start = index
        block: list[str] = []
        while index < len(lines) and lines[index] != "":
            block.append(lines[index])
            index += 1
        first = block[0]
        if first.startswith(("NOTE", "STYLE", "REGION")) and (
                len(first) == len(first.split()[0]) or first[len(first.split()[0])] in " \t"):
            if any("-->" in line for line in block):
                raise _bad("a comment or style block cannot contain -->", block_start + 1)
            if first.startswith(("STYLE", "REGION")) and cues:
                raise _bad("STYLE and REGION blocks must come before the cues", block_start + 1)
            continue
        timing_at = 0 if "-->" in first else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise _bad("a cue needs a timing line like 00:00.000 --> 00:04.000",
                       block_start + 1)
        match = _TIMING.match(block[timing_at].strip())
        if match is None:
            raise _bad(f"malformed cue timing {block[timing_at]!r}", block_start + timing_at + 1)
        start, end = _seconds(match.groups()[0:4]), _seconds(match.groups()[4:8])
        if end <= start:
            raise _bad("a cue must end after it starts", block_start + timing_at + 1)
        if cues and start < cues[-1].start_s:
            raise _bad("cues must be in order of their start times", block_start + timing_at + 1)
        payload = block[timing_at + 1:]
        if any("-->" in line for line in payload):
            raise _bad("a blank line must separate cues", block_start + timing_at + 2)
        text = _plain(payload)
        if not text:
            raise _bad("a cue has no text", block_start + 1)
        cues.append(Cue(start_s=start, end_s=end, text=text))
        if len(cues) > MAX_CUES:
            raise _bad(f"more than {MAX_CUES} cues")
    if not cues:
        raise _bad("it has no cues")
    return cues


def check_transcript(source: str | bytes, *, duration_s: float | None = None,
                     tolerance_s: float = 1.0) -> list[Cue]:
    """The cues of a valid transcript that fits the audio's duration; TranscriptError if not."""
    cues = parse_webvtt(source)
    if duration_s is not None and cues[-1].end_s > duration_s + tolerance_s:
        raise TranscriptError(Code.TRANSCRIPT_LONGER_THAN_AUDIO,
                              f"the transcript runs to {cues[-1].end_s:.1f} s but the audio lasts "
                              f"{duration_s:.1f} s",
                              field="transcript")
    return cues


def transcript_text(cues: list[Cue]) -> str:
    """The transcript as plain text, one paragraph per cue."""
    return "\n".join(cue.text.replace("\n", " ") for cue in cues)
