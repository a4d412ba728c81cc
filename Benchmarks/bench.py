#!/usr/bin/env python3
"""SwiftGAN next to PyTorch on the workloads of BENCHMARKS.md (run by scripts/bench.sh).

For each thread count, for ROUNDS rounds: the SGEMM peak (swiftgan-bench peak), then every
workload in SwiftGAN (`swiftgan bench`) and in PyTorch (the peer script in
Benchmarks/peers/), one right after the other. The machine's speed drifts, so each round
pairs the two runs and the ratio is the median of the per-round ratios. Prints a table:
steps/s of each (medians), the ratio SwiftGAN / PyTorch, and each one's GFLOP/s (FLOP per
step from the peer script's analytic count) as % of the SGEMM peak of that round set.

usage: bench.py --swiftgan BIN --swiftgan-bench BIN --python PY [--rounds N] [--threads 1,2]
                [--workloads gmm2d,mnist_mlp_wgangp,dcgan_mnist,dcgan_mnist@256] [--scale F]
                [--conv] [--log FILE]
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
# name@batch -> (peer script, timed steps). Steps keep each run at a few seconds.
CASES = {
    "gmm2d": ("gmm2d.py", 512, 1000),
    "mnist_mlp_wgangp": ("mnist_mlp_wgangp.py", 64, 60),
    "dcgan_mnist": ("dcgan_mnist.py", 64, 8),
    "dcgan_mnist@256": ("dcgan_mnist.py", 256, 3),
}
GOALS = {"gmm2d": 3.0, "mnist_mlp_wgangp": 1.5, "dcgan_mnist": 1.0}


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def run(cmd, log):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if log:
        log.write("$ " + " ".join(cmd) + "\n" + out.stdout + out.stderr)
        log.flush()
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return out.stdout.splitlines()


def workload_result(lines):
    """(steps/s, FLOP per step, peak RSS MiB or None) from a run's output."""
    result = fields([l for l in lines if l.startswith("RESULT ")][-1])
    flops = int(fields([l for l in lines if l.startswith("FLOPS ")][-1])["analytic_per_step"])
    mem = [fields(l)["peak_rss_mib"] for l in lines if l.startswith("MEMORY ")]
    return float(result["steps_per_s"]), flops, float(mem[0]) if mem else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swiftgan", required=True)
    ap.add_argument("--swiftgan-bench", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--workloads", default=",".join(CASES))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every case's timed steps")
    ap.add_argument("--conv", action="store_true", help="also the DCGAN conv layers as %% of SGEMM peak")
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    log = open(args.log, "w") if args.log else None
    threads = [int(t) for t in args.threads.split(",")]
    cases = args.workloads.split(",")
    for c in cases:
        if c not in CASES:
            sys.exit(f"bench: unknown workload {c!r}; known: {', '.join(CASES)}")

    rows, conv_rows = [], []
    for t in threads:
        peaks, ours, theirs, ratios, mems, flops = [], {}, {}, {}, {}, {}
        for r in range(args.rounds):
            peak_line = [l for l in run([args.swiftgan_bench, "--threads", str(t), "peak"], log)
                         if l.startswith("RESULT case=sgemm_peak")][-1]
            peaks.append(float(fields(peak_line)["gflops"]))
            for c in cases:
                script, batch, steps = CASES[c]
                name = c.split("@")[0]
                steps = max(1, round(steps * args.scale))
                common = ["--threads", str(t), "--batch", str(batch), "--steps", str(steps), "--seed", str(r)]
                print(f"threads {t} round {r + 1}/{args.rounds}: {c}", file=sys.stderr, flush=True)
                a, f, mem = workload_result(run([args.swiftgan, "bench", name] + common, log))
                b, _, _ = workload_result(run([args.python, os.path.join(PEERS, script)] + common, log))
                ours.setdefault(c, []).append(a)
                theirs.setdefault(c, []).append(b)
                ratios.setdefault(c, []).append(a / b)
                mems.setdefault(c, []).append(mem)
                flops[c] = f
        peak = statistics.median(peaks)
        for c in cases:
            a, b = statistics.median(ours[c]), statistics.median(theirs[c])
            gf_a, gf_b = flops[c] * a / 1e9, flops[c] * b / 1e9
            rows.append((c.split("@")[0], CASES[c][1], t, a, b, statistics.median(ratios[c]),
                         GOALS[c.split("@")[0]], gf_a, 100 * gf_a / peak, gf_b, 100 * gf_b / peak,
                         max(mems[c]), peak))
        if args.conv:
            for l in run([args.swiftgan_bench, "--threads", str(t), "conv"], log):
                if l.startswith("RESULT case=conv"):
                    conv_rows.append(fields(l))

    print()
    print("| workload | batch | threads | SwiftGAN steps/s | PyTorch steps/s | ratio | goal | SwiftGAN GFLOP/s (% of peak) "
          "| PyTorch GFLOP/s (% of peak) | SwiftGAN peak RSS MiB | SGEMM peak GFLOP/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (w, batch, t, a, b, ratio, goal, gfa, pa, gfb, pb, mem, peak) in rows:
        print(f"| {w} | {batch} | {t} | {a:.4g} | {b:.4g} | **{ratio:.2f}x** | {goal:.1f}x | {gfa:.1f} ({pa:.0f} %) "
              f"| {gfb:.1f} ({pb:.0f} %) | {mem:.0f} | {peak:.0f} |")
    for (w, batch, t, a, b, ratio, goal, *_rest) in rows:
        print(f"RATIO workload={w} batch={batch} threads={t} swiftgan={a:.4f} pytorch={b:.4f} ratio={ratio:.3f} goal={goal}")
    if conv_rows:
        print()
        print("| conv layer (fwd + bwd) | batch | threads | ms | GFLOP/s | % of SGEMM peak |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for f in conv_rows:
            name = f.get("layer", "whole stack")
            print(f"| {name} | {f['batch']} | {f['threads']} | {float(f['fwd_bwd_ms']):.2f} | {float(f['gflops']):.1f} "
                  f"| {float(f['pct_of_peak']):.0f} % |")


if __name__ == "__main__":
    main()
