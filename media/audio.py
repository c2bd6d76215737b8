"""Narration audio checks: the file must be the audio it claims, whole, short and small enough.

Accepted: MP3 (`audio/mpeg`), M4A with AAC (`audio/mp4`), Ogg with Opus or Vorbis
(`audio/ogg`). The type is sniffed from the bytes, the container walked from end to end
(`media.audio_containers`: a file cut short or with anything appended is refused) and parsed
with mutagen, which also gives the duration.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from media.audio_containers import check_mp3, check_mp4, check_ogg
from media.errors import MediaError
from media.errors import MediaErrorCode as Code

#: Content types a narration may have, with the file extension its object key gets.
AUDIO_TYPES: dict[str, str] = {"audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg"}
MAX_AUDIO_BYTES = 20 * 1024 * 1024
MAX_AUDIO_SECONDS = 15 * 60.0


class AudioError(MediaError):
    """An audio file that is refused."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What a checked audio file is."""

    content_type: str
    codec: str
    duration_s: float
    size: int


def sniff(data: bytes) -> str | None:
    """The audio content type the bytes start like, or None."""
    if data[:4] == b"OggS":
        return "audio/ogg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def _check_whole(size: int, bitrate: int, length: float) -> None:
    """A file much smaller than its bitrate and length say was cut short."""
    expected = bitrate / 8 * length
    if bitrate > 0 and size < expected * 0.85 - 4096:
        raise AudioError(Code.AUDIO_CORRUPT,
                         f"the file has {size} bytes but its stream needs about "
                         f"{expected:.0f}: it was cut short")


def _parse(data: bytes, content_type: str) -> tuple[str, float]:
    from mutagen import MutagenError  # mutagen loads when a narration is checked, not at start
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    stream = io.BytesIO(data)
    if content_type == "audio/mpeg":
        mp3: Any = MP3(stream)  # type: ignore[no-untyped-call]
        if mp3.info.layer != 3:
            raise AudioError(Code.AUDIO_CORRUPT, f"MPEG layer {mp3.info.layer} is not MP3")
        _check_whole(len(data), int(mp3.info.bitrate), float(mp3.info.length))
        return "mp3", float(mp3.info.length)
    if content_type == "audio/mp4":
        mp4: Any = MP4(stream)  # type: ignore[no-untyped-call]
        codec = str(getattr(mp4.info, "codec", ""))
        if not codec.startswith("mp4a"):
            raise AudioError(Code.AUDIO_TYPE_MISMATCH,
                             f"an M4A narration must be AAC, not {codec or 'unknown'}")
        _check_whole(len(data), int(mp4.info.bitrate), float(mp4.info.length))
        return "aac", float(mp4.info.length)
    try:
        opus: Any = OggOpus(stream)  # type: ignore[no-untyped-call]
        return "opus", float(opus.info.length)
    except MutagenError:
        stream.seek(0)
        vorbis: Any = OggVorbis(stream)  # type: ignore[no-untyped-call]
        return "vorbis", float(vorbis.info.length)


def check_audio(data: bytes, *, content_type: str, max_bytes: int = MAX_AUDIO_BYTES,
                max_seconds: float = MAX_AUDIO_SECONDS) -> AudioInfo:
    """The audio's type and duration when it is acceptable; AudioError with a code otherwise."""
    from mutagen import MutagenError

    if content_type not in AUDIO_TYPES:
        raise AudioError(Code.AUDIO_TYPE_NOT_ALLOWED,
                         f"{content_type!r} is not an accepted audio type "
                         f"({', '.join(sorted(AUDIO_TYPES))})",
                         field="contentType")
    if not data:
        raise AudioError(Code.AUDIO_EMPTY, "the audio file is empty")
    if len(data) > max_bytes:
        raise AudioError(Code.AUDIO_TOO_LARGE,
                         f"the audio file has {len(data)} bytes, more than {max_bytes}")
    found = sniff(data)
    if found is None:
        raise AudioError(Code.AUDIO_TYPE_MISMATCH, "the file is not audio of any accepted type")
    if found != content_type:
        raise AudioError(Code.AUDIO_TYPE_MISMATCH,
                         f"the file is {found}, not the {content_type} it claims")
    walk = {"audio/mpeg": check_mp3, "audio/mp4": check_mp4, "audio/ogg": check_ogg}
    try:
        walk[content_type](data)
    except MediaError as exc:
        raise AudioError(exc.code, exc.message) from exc
    try:
        codec, duration = _parse(data, content_type)
    except AudioError:
        raise
    except (MutagenError, ValueError, OverflowError, EOFError, IndexError, KeyError) as exc:
        raise AudioError(Code.AUDIO_CORRUPT,
                         f"the {content_type} file cannot be read: {exc}") from exc
    if not duration > 0.05:
        raise AudioError(Code.AUDIO_CORRUPT, "the audio has no playable length")
    if duration > max_seconds:
        raise AudioError(Code.AUDIO_TOO_LONG,
                         f"the audio lasts {duration:.0f} s, more than {max_seconds:.0f} s")
    return AudioInfo(content_type=content_type, codec=codec, duration_s=round(duration, 3),
                     size=len(data))
