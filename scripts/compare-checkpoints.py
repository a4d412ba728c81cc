#!/usr/bin/env python3
"""Largest difference between the F32 tensors of two safetensors checkpoints (standard
library only): prints it with the tensor where it occurs, and exits 1 when it is above
--tol or the two files do not hold the same tensors.

usage: compare-checkpoints.py A.safetensors B.safetensors [--tol 1e-4] [--prefix generator.]
       [--skip NAME ...]
"""
import argparse, array, json, struct, sys


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        b, e = info["data_offsets"]
        values = array.array("f")
        values.frombytes(data[b:e])
        if sys.byteorder != "little":
            values.byteswap()
        out[name] = values
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("a"); p.add_argument("b")
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--prefix", action="append", default=[], help="compare only tensors with this prefix (repeatable)")
    p.add_argument("--skip", action="append", default=[], help="leave out this tensor (repeatable)")
    args = p.parse_args()
    a, b = read(args.a), read(args.b)
    keep = lambda k: (not args.prefix or any(k.startswith(x) for x in args.prefix)) and k not in args.skip
    ka, kb = {k for k in a if keep(k)}, {k for k in b if keep(k)}
    if ka != kb:
        print(f"compare: the checkpoints hold different tensors: {sorted(ka ^ kb)}")
        return 1
    worst, where = 0.0, None
    for k in sorted(ka):
        if len(a[k]) != len(b[k]):
            print(f"compare: {k} has {len(a[k])} values in one, {len(b[k])} in the other")
            return 1
        d = max((abs(x - y) for x, y in zip(a[k], b[k])), default=0.0)
        if d != d:  # NaN
            d = float("inf")
        if d > worst:
            worst, where = d, k
    print(f"compare: {len(ka)} tensors, max |difference| {worst:.3g}" + (f" (in {where})" if where else ""))
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
