#!/usr/bin/env python3
"""Draws assets/icon.png, the NuGet package icon (128x128): a person with a check mark on a rounded square.

Standard library only (zlib + struct), so it runs anywhere: python3 assets/make-icon.py
Shapes are sampled 4x4 per pixel for smooth edges.
"""
import math
import struct
import zlib
from pathlib import Path

SIZE = 128
BACKGROUND = (32, 96, 160)   # blue
FIGURE = (255, 255, 255)     # white person
BADGE = (46, 170, 90)        # green check badge


def rounded_square(x, y, radius=24.0, margin=2.0):
    lo, hi = margin, SIZE - margin
    cx = min(max(x, lo + radius), hi - radius)
    cy = min(max(y, lo + radius), hi - radius)
    return lo <= x <= hi and lo <= y <= hi and (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def person(x, y):
    head = (x - 56) ** 2 + (y - 44) ** 2 <= 19 ** 2
    # shoulders: upper half of an ellipse, cut flat at the bottom
    body = y <= 104 and ((x - 56) / 38.0) ** 2 + ((y - 104) / 40.0) ** 2 <= 1.0
    return head or body


def badge_disc(x, y):
    return (x - 94) ** 2 + (y - 92) ** 2 <= 24 ** 2


def badge_ring(x, y):
    return (x - 94) ** 2 + (y - 92) ** 2 <= 28 ** 2


def segment_distance(px, py, ax, ay, bx, by):
    vx, vy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)))
    return math.hypot(px - (ax + t * vx), py - (ay + t * vy))


def check(x, y):
    return min(segment_distance(x, y, 82, 92, 91, 101), segment_distance(x, y, 91, 101, 107, 82)) <= 3.6


def colour_at(x, y):
    if not rounded_square(x, y):
        return None
    if check(x, y) and badge_disc(x, y):
        return FIGURE
    if badge_disc(x, y):
        return BADGE
    if badge_ring(x, y):
        return BACKGROUND  # a gap between the person and the badge
    if person(x, y):
        return FIGURE
    return BACKGROUND


def render():
    rows = []
    samples = [(i + 0.5) / 4 for i in range(4)]
    for py in range(SIZE):
        row = bytearray([0])  # filter type: none
        for px in range(SIZE):
            r = g = b = a = 0.0
            for sy in samples:
                for sx in samples:
                    c = colour_at(px + sx, py + sy)
                    if c is not None:
                        r, g, b, a = r + c[0], g + c[1], b + c[2], a + 1
            if a:
                row += bytes((round(r / a), round(g / a), round(b / a), round(255 * a / 16)))
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main():
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(render(), 9)) + chunk(b"IEND", b"")
    out = Path(__file__).with_name("icon.png")
    out.write_bytes(png)
    print(f"{out}: {len(png)} bytes")


if __name__ == "__main__":
    main()
