#!/usr/bin/env python3
"""Writes reference.safetensors with Python's own safetensors writer, for
SafetensorsInteropTests (the Swift reader must load it with exactly these values).

Run once, from this directory, and commit the output:
    python3 -m venv /tmp/stenv && /tmp/stenv/bin/pip install safetensors numpy
    /tmp/stenv/bin/python make_reference.py
Changing a value here means changing the expectations in SafetensorsInteropTests.swift.
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    # F32: a 2x3 matrix of exact binary fractions, and special values.
    "f32_matrix": (np.arange(6, dtype=np.float32).reshape(2, 3) / 8 - 0.5).astype(np.float32),
    "f32_special": np.array([np.inf, -np.inf, -0.0, 1e-45, 3.4028235e38, 0.1], dtype=np.float32),
    # F64: values that are not representable as float32.
    "f64_values": np.array([1.0 / 3.0, 1e-300, -2.5, np.pi], dtype=np.float64),
    # I64: the extremes and a large step counter; a scalar.
    "i64_values": np.array([-(2**63), -1, 0, 2**63 - 1, 123456789012345], dtype=np.int64),
    "i64_scalar": np.array(42, dtype=np.int64),
    # U8: a 3-D array (row-major order is checked).
    "u8_cube": np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10 + 5,
    # An empty tensor.
    "f32_empty": np.zeros((0, 3), dtype=np.float32),
}
metadata = {"format": "pt", "note": 'made by make_reference.py: "quoted" \u00e9'}

if __name__ == "__main__":
    save_file(tensors, "reference.safetensors", metadata=metadata)
    print("wrote reference.safetensors")
