#!/usr/bin/env python3
"""PyTorch (CPU, eager) side of the engine benchmarks: the same cases as `swiftgan-bench`,
printed in the same `RESULT case=... key=value` format, so scripts/bench-engine.sh can run
both in one session and print ratios.

usage: torch_engine.py [--threads N] [GROUP ...]   groups: matmul conv elementwise overhead
"""
import argparse
import statistics
import time

import torch


def seconds_per_call(fn, min_seconds=0.05, batches=5):
    for _ in range(3):
        fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_seconds / 4 or reps >= 1 << 24:
            reps = max(1, int(reps * min_seconds / max(dt, 1e-9)))
            break
        reps *= 4
    samples = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append((time.perf_counter() - t0) / reps)
    return statistics.median(samples)


def report(name, **fields):
    parts = [f"RESULT case={name}"]
    for k, v in fields.items():
        parts.append(f"{k}={v:.4g}" if isinstance(v, float) and v < 100 else
                     f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}")
    print(" ".join(parts), flush=True)


MATMUL = [(512, 512, 512, "square"), (1024, 1024, 1024, "square"),
          (512, 2, 128, "W1.G1"), (512, 128, 128, "W1.hidden"), (512, 128, 1, "W1.out"),
          (64, 100, 256, "W2.G1"), (64, 256, 784, "W2.G2"), (64, 784, 256, "W2.D1"), (64, 256, 1, "W2.D2"),
          (64, 100, 12544, "W3.G.dense"), (64, 6272, 1, "W3.D.dense"),
          (3136, 6400, 128, "W3.convT.im2col"), (12544, 1600, 128, "W3.conv.im2col.b256")]

# (name, transposed, inC, outC, kernel, stride, padding, outputPadding, inH): the seed-001 DCGAN
LAYERS = [("D.conv1", False, 1, 64, 5, 2, 2, 0, 28), ("D.conv2", False, 64, 128, 5, 2, 2, 0, 14),
          ("G.convT1", True, 256, 128, 5, 1, 2, 0, 7), ("G.convT2", True, 128, 64, 5, 2, 2, 1, 7),
          ("G.convT3", True, 64, 1, 5, 2, 2, 1, 14)]


def bench_matmul(threads):
    for m, k, n, origin in MATMUL:
        a, b = torch.randn(m, k), torch.randn(k, n)
        t = seconds_per_call(lambda: torch.mm(a, b))
        report("matmul", shape=f"{m}x{k}x{n}", origin=origin, threads=threads, gflops=2.0 * m * k * n / t / 1e9)


def bench_conv(threads):
    F = torch.nn.functional
    for batch in (64, 256):
        total_flop = total_s = 0.0
        for name, transposed, cin, cout, k, s, p, op, h in LAYERS:
            x = torch.randn(batch, cin, h, h, requires_grad=True)
            w = (torch.randn(*((cin, cout, k, k) if transposed else (cout, cin, k, k))) * 0.05).requires_grad_()

            def forward():
                return F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op) if transposed \
                    else F.conv2d(x, w, stride=s, padding=p)
            y = forward()
            out_h = y.shape[2]
            macs = batch * cin * h * h * cout * k * k if transposed else batch * cout * out_h * out_h * cin * k * k
            gy = torch.randn_like(y)

            def fwd():
                with torch.no_grad():
                    forward()
            t_fwd = seconds_per_call(fwd, min_seconds=0.2, batches=3)
            total = seconds_per_call(lambda: torch.autograd.grad(forward(), [x, w], gy), min_seconds=0.2, batches=3)
            report("conv", layer=name, batch=batch, threads=threads, fwd_ms=t_fwd * 1e3, fwd_bwd_ms=total * 1e3,
                   gflops=6.0 * macs / total / 1e9)
            total_flop += 6.0 * macs
            total_s += total
        report("conv_stack", batch=batch, threads=threads, layers=len(LAYERS), fwd_bwd_ms=total_s * 1e3,
               gflops=total_flop / total_s / 1e9)


def bench_elementwise():
    n = 1 << 20
    a, b = torch.randn(n), torch.randn(n)
    row, a2 = torch.randn(1024), a.view(1024, 1024)
    pos = a.abs() + 0.01
    cases = [("add", 3, lambda: a + b), ("mul", 3, lambda: a * b), ("add_row_broadcast", 2, lambda: a2 + row),
             ("mul_scalar", 2, lambda: a * 3), ("neg", 2, lambda: -a), ("exp", 2, lambda: a.exp()),
             ("log", 2, lambda: pos.log()), ("square", 2, lambda: a.square()), ("sqrt", 2, lambda: pos.sqrt()),
             ("tanh", 2, lambda: a.tanh()), ("sigmoid", 2, lambda: a.sigmoid()),
             ("softplus", 2, lambda: torch.nn.functional.softplus(a)), ("relu", 2, lambda: a.relu()),
             ("sum", 1, lambda: a.sum())]
    for name, arrays, fn in cases:
        t = seconds_per_call(fn)
        report("elementwise", op=name, elements=n, gbytes_per_s=arrays * n * 4 / t / 1e9, ms=t * 1e3)


def bench_overhead():
    x = torch.tensor(0.5, requires_grad=True)
    length = 100

    def chain():
        y = x
        for _ in range(length):
            y = y * 0.999 + x
        torch.autograd.grad(y, [x])
    t = seconds_per_call(chain)
    report("op_overhead", ops=2 * length, us_per_op_fwd_bwd=t / (2 * length) * 1e6)
    xd = x.detach()

    def untracked():
        y = xd
        for _ in range(length):
            y = y * 0.999 + xd
    t = seconds_per_call(untracked)
    report("op_overhead_untracked", ops=2 * length, us_per_op_fwd=t / (2 * length) * 1e6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("groups", nargs="*", default=["matmul", "conv", "elementwise", "overhead"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if "matmul" in args.groups:
        bench_matmul(args.threads)
    if "conv" in args.groups:
        bench_conv(args.threads)
    if "elementwise" in args.groups:
        bench_elementwise()
    if "overhead" in args.groups:
        bench_overhead()


if __name__ == "__main__":
    main()
