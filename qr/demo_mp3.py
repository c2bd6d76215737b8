"""The MP3 versions of the demo narrations (`qr/demo_media/*.mp3`, committed), encoded from
their Ogg Opus files: every phone plays MP3, older iPhones play no Ogg.

A development tool, never run by the service: `python -m qr.demo_mp3` decodes each Ogg with
libopus (Debian's `libopus0`, through ctypes) and encodes it with LAME (the `lameenc` wheel of
the dev extra) as constant-bitrate mono MP3 at the Ogg's 24 kHz, trimmed to the Ogg's own
length (its last granule position less its pre-skip), so both formats last the same.
"""

from __future__ import annotations

import array
import ctypes
import ctypes.util
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

from qr.demo import DEMO_MEDIA

RATE = 24_000
KBPS = 24
_OPUS_RATE = 48_000
_MAX_FRAME = 5760  # 120 ms at 48 kHz: the longest Opus frame


def ogg_packets(data: bytes) -> Iterator[tuple[bytes, int]]:
    """The packets of a one-stream Ogg file, each with the granule position of the page it
    ends on."""
    pos, packet = 0, bytearray()
    while pos < len(data):
        segments = data[pos + 26]
        granule = struct.unpack_from("<q", data, pos + 6)[0]
        lacing = data[pos + 27:pos + 27 + segments]
        offset = pos + 27 + segments
        for value in lacing:
            packet += data[offset:offset + value]
            offset += value
            if value < 255:
                yield bytes(packet), granule
                packet = bytearray()
        pos = offset


def decode_opus(data: bytes) -> array.array[int]:
    """The 16-bit mono PCM at RATE of an Ogg Opus file, pre-skip removed, cut to its length."""
    name = ctypes.util.find_library("opus")
    if name is None:
        raise SystemExit("libopus is needed: apt-get install libopus0")
    opus = ctypes.CDLL(name)
    opus.opus_decoder_create.restype = ctypes.c_void_p
    opus.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_int)]
    opus.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                 ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
    opus.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    error = ctypes.c_int()
    decoder = opus.opus_decoder_create(RATE, 1, ctypes.byref(error))
    if error.value != 0:
        raise SystemExit(f"opus_decoder_create failed: {error.value}")
    pcm = array.array("h")
    frame = (ctypes.c_int16 * _MAX_FRAME)()
    pre_skip, last_granule = 0, 0
    try:
        for index, (packet, granule) in enumerate(ogg_packets(data)):
            if index == 0:
                if packet[:8] != b"OpusHead" or packet[9] != 1:
                    raise SystemExit("not a mono Ogg Opus file")
                pre_skip = struct.unpack_from("<H", packet, 10)[0]
                continue
            if index == 1:
                continue  # OpusTags
            last_granule = max(last_granule, granule)
            samples = opus.opus_decode(decoder, packet, len(packet), frame, _MAX_FRAME, 0)
            if samples < 0:
                raise SystemExit(f"opus_decode failed: {samples}")
            pcm.extend(frame[:samples])
    finally:
        opus.opus_decoder_destroy(decoder)
    scale = _OPUS_RATE // RATE
    start, length = pre_skip // scale, (last_granule - pre_skip) // scale
    return pcm[start:start + length]


def encode_mp3(pcm: array.array[int]) -> bytes:
    """Constant-bitrate mono MP3 (MPEG-2 layer III at RATE) of 16-bit PCM."""
    import lameenc  # the dev extra: never needed by the service

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(KBPS)
    encoder.set_in_sample_rate(RATE)
    encoder.set_out_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def main() -> None:
    """Writes `NAME.mp3` beside every `NAME.ogg` of qr/demo_media."""
    for source in sorted(DEMO_MEDIA.glob("*.ogg")):
        target = source.with_suffix(".mp3")
        target.write_bytes(encode_mp3(decode_opus(source.read_bytes())))
        print(f"{target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}"
              f" {target.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
