"""Writes the PNG and .npy reference files read by PNGTests and NPYTests.

Run from this folder: python3 make_png_npy.py
The PNGs are assembled by hand (zlib + struct, no image library), so they come from an
encoder other than libpng; the .npy files are written by NumPy itself.
"""
import struct
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, bit_depth, color_type, rows, extra=b""):
    """rows: the packed bytes of each scanline (without the filter byte)."""
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 (None) on every row
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# 3x2 16-bit grayscale: 0, 257 * k, 65535 and values that are not multiples of 257.
gray16 = [[0, 257, 65535], [32768, 1000, 64000]]
with open("gray16.png", "wb") as f:
    f.write(png(3, 2, 16, 0, [b"".join(struct.pack(">H", v) for v in row) for row in gray16]))

# 4x2 palette image, 2 bits per pixel, 3 palette entries, entry 1 half transparent (tRNS).
palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
trns = bytes([255, 128])  # entry 2 has no tRNS value: opaque
indices = [[0, 1, 2, 1], [2, 2, 0, 0]]


def pack2(row):
    v = 0
    for i in row:
        v = v << 2 | i
    return struct.pack(">B", v)


with open("palette.png", "wb") as f:
    f.write(png(4, 2, 2, 3, [pack2(r) for r in indices], chunk(b"PLTE", palette) + chunk(b"tRNS", trns)))

# 2x2 8-bit RGB, written with filter 0 by hand.
with open("rgb8.png", "wb") as f:
    f.write(png(2, 2, 8, 2, [bytes([10, 20, 30, 40, 50, 60]), bytes([70, 80, 90, 255, 0, 128])]))

try:
    import numpy as np
except ImportError:
    raise SystemExit("numpy is not installed: the .npy files were not written")

np.save("ref_f4.npy", (np.arange(6, dtype=np.float32) / 8 - 0.5).reshape(2, 3))
np.save("ref_f4_special.npy", np.array([np.inf, -np.inf, -0.0, 1e-45, 3.4028235e38, 0.1], dtype=np.float32))
np.save("ref_f8.npy", np.array([1 / 3, 1e-300, -2.5, np.pi], dtype=np.float64))
np.save("ref_u1.npy", (np.arange(8, dtype=np.uint8) * 30 + 5).reshape(2, 2, 2))
np.save("ref_i8_scalar.npy", np.array(-42, dtype=np.int64))
np.save("ref_f4_empty.npy", np.zeros((0, 3), dtype=np.float32))
np.save("ref_f4_fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
with open("ref_f4_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(3, dtype=np.float32), version=(2, 0))
