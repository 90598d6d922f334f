#!/usr/bin/env python3
"""Regenerate the G.711 golden files in this directory from CPython's `audioop` module.

The fixtures are produced by a tool that shares no code with the Swift implementation under
test (Sources/Transcode): CPython's C `audioop` module (Modules/audioop.c, derived from the
Sun Microsystems g711.c reference). `audioop` exists in Python <= 3.12 only (removed in 3.13).

Usage (from the repository root):

    /usr/bin/python3 -W ignore::DeprecationWarning Tests/TranscodeTests/Fixtures/generate.py

All linear samples are 16-bit signed little-endian (`width=2`).
"""

import audioop
import hashlib
import pathlib
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
WIDTH = 2  # bytes per linear sample: 16-bit signed

ALL_CODES = bytes(range(256))
ALL_SAMPLES = struct.pack("<65536h", *range(-32768, 32768))


def to_little_endian(pcm: bytes) -> bytes:
    """audioop works in native byte order; the fixtures are little-endian."""
    if sys.byteorder == "little":
        return pcm
    return audioop.byteswap(pcm, WIDTH)


def fixtures() -> dict[str, bytes]:
    native_samples = (
        ALL_SAMPLES if sys.byteorder == "little" else audioop.byteswap(ALL_SAMPLES, WIDTH)
    )
    ulaw_decoded = audioop.ulaw2lin(ALL_CODES, WIDTH)  # native order
    alaw_decoded = audioop.alaw2lin(ALL_CODES, WIDTH)
    return {
        # 256 x int16 LE: decode of codes 0...255
        "mulaw_decode.bin": to_little_endian(ulaw_decoded),
        "alaw_decode.bin": to_little_endian(alaw_decoded),
        # 65536 bytes: encode of every int16 from -32768 to 32767, ascending
        "mulaw_encode_sweep.bin": audioop.lin2ulaw(native_samples, WIDTH),
        "alaw_encode_sweep.bin": audioop.lin2alaw(native_samples, WIDTH),
        # 256 bytes: lin2ulaw(alaw2lin(code)) and lin2alaw(ulaw2lin(code)) for codes 0...255
        "alaw_to_mulaw.bin": audioop.lin2ulaw(alaw_decoded, WIDTH),
        "mulaw_to_alaw.bin": audioop.lin2alaw(ulaw_decoded, WIDTH),
    }


def main() -> None:
    expected_sizes = {"decode": 512, "sweep": 65536, "to": 256}
    print(f"python {sys.version.split()[0]} ({sys.executable}), audioop {audioop.__file__}")
    for name, data in fixtures().items():
        kind = next(k for k in expected_sizes if k in name)
        assert len(data) == expected_sizes[kind], (name, len(data))
        (HERE / name).write_bytes(data)
        print(f"{hashlib.sha256(data).hexdigest()}  {name}")


if __name__ == "__main__":
    main()
