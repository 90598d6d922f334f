#!/usr/bin/env python3
"""Document how `audioop` maps the 16-bit linear domain onto G.711 (not a fixture generator).

ITU-T G.711 specifies µ-law over a 14-bit and A-law over a 13-bit two's-complement range;
how a 16-bit sample is reduced to that range is left to the implementation. This script
checks the generated fixtures against the anchors the project's convention names and
compares audioop's µ-law reduction with two other widespread ones, over all 65,536 inputs.

Usage (from the repository root, after generate.py):

    /usr/bin/python3 -W ignore::DeprecationWarning Tests/TranscodeTests/Fixtures/conventions.py
"""

import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
SAMPLES = range(-32768, 32768)


def load(name: str) -> bytes:
    return (HERE / name).read_bytes()


def mulaw_from_magnitude14(magnitude: int, negative: bool) -> int:
    """G.711 µ-law on a 14-bit magnitude: bias 33, segment = leading-one position."""
    biased = min(magnitude, 8158) + 33
    segment = biased.bit_length() - 6
    code = (segment << 4) | ((biased >> (segment + 1)) & 0xF)
    return code ^ (0x7F if negative else 0xFF)


REDUCTIONS = {
    # audioop: arithmetic shift (floor) to 14 bits, then sign/magnitude.
    "floor(x/4) then negate (audioop)": lambda x: (-(x >> 2), True) if x < 0 else (x >> 2, False),
    # Sun g711.c 16-bit linear2ulaw (bias 0x84 on |x|): truncation toward zero.
    "trunc(|x|/4) (Sun 16-bit)": lambda x: ((-x) >> 2, True) if x < 0 else (x >> 2, False),
    # ITU-T G.191 STL ulaw_compress: one's complement of negative samples.
    "(~x)>>2 (G.191 STL)": lambda x: ((~x) >> 2, True) if x < 0 else (x >> 2, False),
}


def main() -> None:
    mulaw_decode = struct.unpack("<256h", load("mulaw_decode.bin"))
    alaw_decode = struct.unpack("<256h", load("alaw_decode.bin"))
    mulaw_sweep = load("mulaw_encode_sweep.bin")
    alaw_sweep = load("alaw_encode_sweep.bin")

    anchors = {
        "mulaw 0x00": (mulaw_decode[0x00], -32124), "mulaw 0x80": (mulaw_decode[0x80], 32124),
        "mulaw 0xFF": (mulaw_decode[0xFF], 0), "mulaw 0x7F": (mulaw_decode[0x7F], 0),
        "alaw 0xD5": (alaw_decode[0xD5], 8), "alaw 0x55": (alaw_decode[0x55], -8),
        "mulaw enc 0": (mulaw_sweep[32768], 0xFF), "alaw enc 0": (alaw_sweep[32768], 0xD5),
        "mulaw enc 32767": (mulaw_sweep[-1], 0x80), "mulaw enc -32768": (mulaw_sweep[0], 0x00),
        "alaw enc 32767": (alaw_sweep[-1], 0xAA), "alaw enc -32768": (alaw_sweep[0], 0x2A),
    }
    for label, (got, want) in anchors.items():
        print(f"{'ok  ' if got == want else 'DIFF'} {label}: {got} (convention {want})")

    print("µ-law codes never produced by the encoder:",
          [f"0x{c:02X}" for c in range(256) if c not in set(mulaw_sweep)])
    print("A-law codes never produced by the encoder:",
          [f"0x{c:02X}" for c in range(256) if c not in set(alaw_sweep)])

    for label, reduce in REDUCTIONS.items():
        diffs = [x for x in SAMPLES if mulaw_from_magnitude14(*reduce(x)) != mulaw_sweep[x + 32768]]
        print(f"µ-law {label}: {len(diffs)} of 65536 inputs differ from audioop"
              + (f", all negative: {all(x < 0 for x in diffs)}; e.g. {diffs[-4:]}" if diffs else ""))

    # A-law: audioop reduces to 13 bits by floor and uses the one's complement for negatives,
    # which makes the quantiser exactly symmetric: code(x) == code(~x) ^ 0x80 for all x.
    symmetric = all(alaw_sweep[x + 32768] == alaw_sweep[~x + 32768] ^ 0x80 for x in SAMPLES)
    print(f"A-law encode symmetric under x -> ~x (sign bit flip): {symmetric}")


if __name__ == "__main__":
    main()
