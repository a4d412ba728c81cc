#!/usr/bin/env python3
"""Reads RESULT lines of swiftgan-bench (file 1) and torch_engine.py (file 2), each possibly
from several interleaved rounds, and prints the median of each case side by side with the
ratio SwiftGAN / PyTorch as a speed-up (> 1: SwiftGAN is faster).

usage: compare.py OURS.txt TORCH.txt
"""
import statistics
import sys

# metric, True when higher is better
METRICS = [("gflops", True), ("gbytes_per_s", True), ("us_per_op_fwd_bwd", False), ("us_per_op_fwd", False)]


def parse(path):
    results = {}
    for line in open(path):
        if not line.startswith("RESULT "):
            continue
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        ident = fields.get("shape") if fields["case"] == "matmul" else \
            f'{fields.get("layer")} b{fields.get("batch")}' if fields["case"] == "conv" else \
            f'b{fields.get("batch")}' if fields["case"] == "conv_stack" else fields.get("op", "")
        for name, higher in METRICS:
            if name in fields:
                results.setdefault((fields["case"], ident, name, higher), []).append(float(fields[name]))
                break
    return results


def main():
    ours, torch = parse(sys.argv[1]), parse(sys.argv[2])
    print(f'{"case":<12} {"what":<22} {"metric":<18} {"swiftgan":>10} {"pytorch":>10} {"speed-up":>9}')
    for key in ours:
        if key not in torch:
            continue
        case, ident, metric, higher = key
        a, b = statistics.median(ours[key]), statistics.median(torch[key])
        speedup = a / b if higher else b / a
        print(f"{case:<12} {ident:<22} {metric:<18} {a:>10.4g} {b:>10.4g} {speedup:>8.2f}x")
        print(f"RATIO case={case} what={ident.replace(' ', '_')} metric={metric} swiftgan={a:.4g} pytorch={b:.4g} speedup={speedup:.3f}")


if __name__ == "__main__":
    main()
