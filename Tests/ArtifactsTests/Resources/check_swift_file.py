#!/usr/bin/env python3
"""Loads a safetensors file written by SwiftGAN (SafetensorsInteropTests.swiftFileLoadsInPython)
with Python's safetensors and checks every value bit for bit. Prints OK on success; exits 1
with the differences otherwise. Usage: check_swift_file.py FILE

The expected values mirror the Swift test; change both together.
"""
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def splitmix_state(seed):
    """RandomGenerator(seed:) in SwiftGAN: four SplitMix64 outputs."""
    mask = (1 << 64) - 1
    sm, out = seed, []
    for _ in range(4):
        sm = (sm + 0x9E3779B97F4A7C15) & mask
        z = sm
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


EXPECTED = {
    "gen.block1.conv.weight": np.array([(i - 2.5) * 0.75 for i in range(6)], dtype=np.float32).reshape(2, 3),
    "special": np.array([-0.0, np.inf, -np.inf, 1e-45, 3.4028235e38, 0.1], dtype=np.float32),
    "scalar": np.array(2.5, dtype=np.float32),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "f64": np.array([1.0 / 3.0, -1e-300, np.pi], dtype=np.float64),
    "step": np.array(1234567890123, dtype=np.int64),
    "rng": np.array(splitmix_state(7), dtype=np.uint64).view(np.int64),
    "u8": np.array([[0, 1], [128, 255]], dtype=np.uint8),
    "i32": np.array([-(2**31), 0, 2**31 - 1], dtype=np.int32),
}
EXPECTED_METADATA = {"epoch": "3", "note": 'unicode \u00e9 \u2713 and "quotes"\n'}


def main(path):
    problems = []
    got = load_file(path)
    if set(got) != set(EXPECTED):
        problems.append(f"names {sorted(got)} != {sorted(EXPECTED)}")
    for name, want in EXPECTED.items():
        if name not in got:
            continue
        g = got[name]
        if g.dtype != want.dtype or g.shape != want.shape or g.tobytes() != want.tobytes():
            problems.append(f"{name}: got {g.dtype} {g.shape} {g!r}, expected {want.dtype} {want.shape} {want!r}")
    with safe_open(path, framework="np") as f:
        metadata = f.metadata()
    if metadata != EXPECTED_METADATA:
        problems.append(f"metadata {metadata!r} != {EXPECTED_METADATA!r}")
    if problems:
        print("\n".join(problems))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
