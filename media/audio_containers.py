"""Walking an audio file's container from its first byte to its last: Ogg pages, MP3 frames,
MP4 boxes. A file cut short, or followed by anything else (an HTML page, a script), is refused
with AUDIO_CORRUPT, whatever its headers claim; mutagen, which reads headers and the last
page, accepts both.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from media.errors import MediaError
from media.errors import MediaErrorCode as Code

_REVERSED_BITS = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_EOS = 0x04
#: Opus frame lengths in 48 kHz samples by TOC configuration (RFC 6716 §3.1).
_OPUS_FRAME = [480, 960, 1920, 2880] * 3 + [480, 960] * 2 + [120, 240, 480, 960] * 4
#: MPEG audio layer III: kbit/s by bitrate index for MPEG-1 and for MPEG-2/2.5; sample rates.
_MP3_KBPS = ((0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160))
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _corrupt(message: str) -> MediaError:
    return MediaError(Code.AUDIO_CORRUPT, message)


def ogg_crc(page: bytes) -> int:
    """The CRC-32 of an Ogg page (polynomial 0x04C11DB7, not reflected, no inversion), with
    the page's own CRC field taken as zero; computed with zlib on the bit-reversed bytes."""
    zeroed = page[:22] + b"\0\0\0\0" + page[26:]
    reflected = ~zlib.crc32(zeroed.translate(_REVERSED_BITS), 0xFFFFFFFF) & 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


@dataclass(slots=True)
class _OpusCount:
    """48 kHz samples of the Opus packets completed so far (after the two header packets)."""

    packets: int = 0
    samples: int = 0
    last: int = 0
    head: bytearray = field(default_factory=bytearray)

    def add(self, first_bytes: bytes) -> None:
        """Counts a completed packet by its first bytes (its TOC)."""
        self.packets += 1
        if self.packets <= 2 or not first_bytes:
            return  # OpusHead and OpusTags
        toc = first_bytes[0]
        frames = (1, 2, 2)[toc & 3] if toc & 3 != 3 else (
            first_bytes[1] & 0x3F if len(first_bytes) > 1 else 0)
        self.last = _OPUS_FRAME[toc >> 3] * frames
        self.samples += self.last


def check_ogg(data: bytes) -> None:
    """Refuses an Ogg file that is not one logical stream of whole pages with good CRCs, in
    sequence, ending with the end-of-stream page and nothing after it, whose granule
    positions never go back (and, for Opus, never claim more samples than its packets
    hold)."""
    pos = pages = 0
    serial = sequence = None
    last_granule = -1
    ended = False
    opus: _OpusCount | None = None
    while pos < len(data):
        if ended:
            raise _corrupt(f"{len(data) - pos} bytes follow the Ogg stream's last page")
        if data[pos:pos + 4] != b"OggS":
            raise _corrupt(f"no Ogg page at byte {pos}: the file is not whole Ogg pages")
        if pos + 27 > len(data) or pos + 27 + data[pos + 26] > len(data):
            raise _corrupt("the file ends inside an Ogg page header: it was cut short")
        version, flags = data[pos + 4], data[pos + 5]
        granule, page_serial, page_sequence, crc = struct.unpack_from("<qIII", data, pos + 6)
        lacing = data[pos + 27:pos + 27 + data[pos + 26]]
        body = pos + 27 + len(lacing)
        end = body + sum(lacing)
        if end > len(data):
            raise _corrupt("the file ends inside an Ogg page: it was cut short")
        if version != 0 or ogg_crc(data[pos:end]) != crc:
            raise _corrupt(f"the Ogg page at byte {pos} is damaged (its CRC does not match)")
        if serial is None:
            serial, opus = page_serial, (_OpusCount() if data[body:body + 8] == b"OpusHead"
                                         else None)
        elif page_serial != serial:
            raise _corrupt("a narration is one Ogg stream; this file holds more")
        if sequence is not None and page_sequence != sequence + 1:
            raise _corrupt(f"Ogg page {sequence + 1} is missing")
        sequence = page_sequence
        if opus is not None:
            _count_packets(opus, data, body, lacing)
        if granule != -1:
            if granule < last_granule:
                raise _corrupt("the Ogg granule positions go back")
            if opus is not None and granule > opus.samples:
                raise _corrupt(f"an Ogg page claims {granule} samples; its packets hold "
                               f"{opus.samples}")
            last_granule = granule
        ended = bool(flags & _EOS)
        pages += 1
        pos = end
    if not ended:
        raise _corrupt("the Ogg stream has no end-of-stream page: it was cut short")
    if opus is not None and last_granule < opus.samples - opus.last:
        raise _corrupt(f"the last Ogg page claims {last_granule} samples; its packets hold "
                       f"{opus.samples}")


def _count_packets(opus: _OpusCount, data: bytes, body: int, lacing: bytes) -> None:
    """Adds the packets a page completes (a packet continued from the previous page already
    has its first bytes)."""
    offset = body
    for value in lacing:
        if len(opus.head) < 2:
            opus.head += data[offset:offset + min(value, 2 - len(opus.head))]
        offset += value
        if value < 255:
            opus.add(bytes(opus.head))
            opus.head = bytearray()


def check_mp3(data: bytes) -> None:
    """Refuses an MP3 file that is not an optional ID3v2 tag, whole layer III frames and an
    optional ID3v1 or APE tag, with nothing else before, between or after them."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (
            data[9] & 0x7F)
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    end = len(data)
    if end >= 128 and data[end - 128:end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32:end - 24] == b"APETAGEX":
        size, flags = struct.unpack_from("<II", data, end - 20)
        end -= size + (32 if flags & 0x80000000 else 0)
    frames = 0
    while pos < end:
        length = _mp3_frame_length(data[pos:pos + 4])
        if length is None:
            raise _corrupt(f"{end - pos} bytes at byte {pos} are not MP3 frames"
                           if frames else "the file does not start with an MP3 frame")
        if pos + length > end:
            raise _corrupt("the last MP3 frame is cut short")
        pos += length
        frames += 1
    if frames == 0:
        raise _corrupt("the file holds no MP3 frame")


def _mp3_frame_length(header: bytes) -> int | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps = _MP3_KBPS[0 if version == 3 else 1][bitrate_index]
    rate = _MP3_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    return (144 if version == 3 else 72) * kbps * 1000 // rate + padding


def check_mp4(data: bytes) -> None:
    """Refuses an MP4 file whose top-level boxes do not cover it exactly (a box past the end
    was cut; bytes after the last box are not MP4) or lack `moov` or `mdat`."""
    pos, kinds = 0, set()
    while pos < len(data):
        if pos + 8 > len(data):
            raise _corrupt(f"{len(data) - pos} bytes after the last MP4 box")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                raise _corrupt("the file ends inside an MP4 box header")
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = len(data) - pos
        if not kind.isalnum() and kind not in (b"free", b"skip") or size < header:
            raise _corrupt(f"the bytes at {pos} are not an MP4 box")
        if pos + size > len(data):
            raise _corrupt(f"the MP4 box {kind.decode('latin-1')!r} runs past the end of the "
                           "file: it was cut short or is not MP4")
        kinds.add(kind)
        pos += size
    if not {b"moov", b"mdat"} <= kinds:
        raise _corrupt("the MP4 file lacks its moov or mdat box")
