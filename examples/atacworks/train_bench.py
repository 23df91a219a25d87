#!/usr/bin/python3
"""End-to-end AtacWorks training benchmark: torch.nn.Conv1d (oneDNN) against
dconv1d_torch.Conv1d (ReLU fused), same initial weights and data, FP32 and
BF16. The two models train step for step interleaved (A B A B ...) so that
machine noise hits both alike. Reports the median step time after warm-up,
the speed-up (median of per-step ratios), the share of a step spent in the
convolutions (from torch.profiler on one extra step) and whether the loss
curves agree. Writes a CSV with a provenance JSON and a figure.

Run: scripts/atacworks_bench.sh [options] (sets DCONV1D_TORCH_OPS and PYTHONPATH).
"""
import argparse
import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dconv1d_torch  # noqa: E402
from data import make_batch  # noqa: E402
from model import DenoisingResNet, loss_fn  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}
AGREE_RTOL = {"f32": 1e-3, "bf16": 5e-2}
CONV_OPS = ("aten::convolution", "aten::convolution_backward", "dconv1d::forward", "dconv1d::backward")


def build(variant, seed):
    torch.manual_seed(seed)
    reference = DenoisingResNet(torch.nn.Conv1d, fuse_relu=False)
    if variant == "torch":
        model = reference
    else:
        model = DenoisingResNet(dconv1d_torch.Conv1d, fuse_relu=True)
        with torch.no_grad():  # the same weights, in the same order
            for mine, other in zip(model.parameters(), reference.parameters(), strict=True):
                mine.copy_(other)
    return model, torch.optim.Adam(model.parameters(), lr=2e-4)  # Adam at a learning rate where the curve descends smoothly


def train_step(model, optimizer, batch, dtype):
    noisy, clean, peaks = batch
    optimizer.zero_grad(set_to_none=True)
    # BF16 as it is trained in practice: float32 master weights, bfloat16 compute under autocast
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        denoised, logits = model(noisy)
    loss = loss_fn(denoised, logits, clean, peaks)
    loss.backward()
    optimizer.step()
    return loss.item()


def conv_fraction(model, optimizer, batch, dtype):
    """Share of one step's wall time spent in convolution operators (self + children)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        train_step(model, optimizer, batch, dtype)
        wall = time.perf_counter() - start
    conv_us = sum(e.cpu_time_total for e in prof.key_averages() if e.key in CONV_OPS)
    return min(conv_us * 1e-6 / wall, 1.0)


def run_dtype(name, args):
    dtype = DTYPES[name]
    batch = make_batch(args.batch, args.length, seed=args.seed)
    variants = ("torch", "dconv1d")
    models = {v: build(v, args.seed) for v in variants}
    times = {v: [] for v in variants}
    losses = {v: [] for v in variants}
    total = args.warmup + args.steps
    for step in range(total):
        for v in variants:
            start = time.perf_counter()
            losses[v].append(train_step(*models[v], batch, dtype))
            elapsed = time.perf_counter() - start
            if step >= args.warmup:
                times[v].append(elapsed)
        if sys.stderr.isatty():
            print(f"\r{name}: step {step + 1}/{total}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    fractions = {v: conv_fraction(*models[v], batch, dtype) for v in variants}
    ratios = [t / d for t, d in zip(times["torch"], times["dconv1d"])]
    diffs = [abs(a - b) / max(abs(a), 1e-12) for a, b in zip(losses["torch"], losses["dconv1d"])]
    agree = max(diffs) <= AGREE_RTOL[name] and all(math.isfinite(x) for x in losses["dconv1d"])
    rows = []
    for v in variants:
        t = times[v]
        rows.append(dict(variant=v, dtype=name, threads=args.threads, batch=args.batch, length=args.length,
                         steps=len(t), median_ms=1e3 * statistics.median(t), min_ms=1e3 * min(t),
                         cv=statistics.stdev(t) / statistics.mean(t) if len(t) > 1 else 0.0,
                         speedup_vs_torch=statistics.median(ratios) if v == "dconv1d" else 1.0,
                         speedup_min=min(ratios) if v == "dconv1d" else 1.0,
                         speedup_max=max(ratios) if v == "dconv1d" else 1.0,
                         conv_fraction=fractions[v], loss_first=losses[v][0], loss_last=losses[v][-1],
                         max_loss_rel_diff=max(diffs), losses_agree=agree,
                         losses=" ".join(f"{x:.6g}" for x in losses[v])))
    return rows


def write_atomic(path, write, mode="w"):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, mode, **({"newline": ""} if "b" not in mode else {})) as f:
            write(f)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def provenance(args):
    def cpu_model():
        try:
            with open("/proc/cpuinfo") as f:
                return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        except (OSError, StopIteration):
            return platform.processor()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=HERE, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    return dict(cpu_model=cpu_model(), hostname=platform.node(), cpus=os.cpu_count(),
                date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), commit=commit,
                torch=torch.__version__, python=sys.executable, threads=args.threads, batch=args.batch,
                length=args.length, warmup=args.warmup, steps=args.steps, seed=args.seed,
                onednn=torch.backends.mkldnn.is_available() and "torch's bundled oneDNN (mkldnn)",
                ops_library=dconv1d_torch.library_path())


def plot(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dtypes = [d for d in DTYPES if any(r["dtype"] == d for r in rows)]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    width = 0.38
    for i, (variant, color) in enumerate((("torch", "tab:red"), ("dconv1d", "tab:blue"))):
        values = [next(r["median_ms"] for r in rows if r["dtype"] == d and r["variant"] == variant) / 1e3
                  for d in dtypes]
        bars = ax.bar([j + (i - 0.5) * width for j in range(len(dtypes))], values, width,
                      label="torch.nn.Conv1d (oneDNN)" if variant == "torch" else "dconv1d_torch.Conv1d",
                      color=color)
        for bar, d in zip(bars, dtypes):
            if variant == "dconv1d":
                s = next(r["speedup_vs_torch"] for r in rows if r["dtype"] == d and r["variant"] == variant)
                ax.annotate(f"{s:.2f}x", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(dtypes)))
    ax.set_xticklabels([d.upper() for d in dtypes])
    ax.set_ylabel("training step time (s, median)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    for fmt in ("png", "svg"):
        target = os.path.splitext(path)[0] + "." + fmt
        write_atomic(target, lambda f, fmt=fmt: fig.savefig(f, format=fmt, dpi=110), mode="wb")
    plt.close(fig)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=2, help="sequences per step (default 2)")
    parser.add_argument("--length", type=int, default=60000, help="sequence length (default 60000)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch and dconv1d threads (default: all)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per variant (default 6, at least 5)")
    parser.add_argument("--dtypes", default="f32,bf16", help="comma-separated: f32, bf16 (default both)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--csv", help="write the results here (and CSV.provenance.json)")
    parser.add_argument("--figure", help="write a bar chart here (.png; an .svg goes beside it)")
    args = parser.parse_args(argv)
    dtypes = [d for d in args.dtypes.split(",") if d]
    for name, value, low in (("--batch", args.batch, 1), ("--length", args.length, 401), ("--threads", args.threads, 1),
                             ("--warmup", args.warmup, 0), ("--steps", args.steps, 5)):
        if value < low:
            parser.error(f"{name} must be at least {low}, got {value}")
    if any(d not in DTYPES for d in dtypes) or not dtypes:
        parser.error(f"--dtypes takes f32 and/or bf16, got {args.dtypes!r}")
    torch.set_num_threads(args.threads)
    # taken before anything is written: the CSV is tracked, and writing it would read as a dirty tree
    origin = provenance(args)
    print(f"AtacWorks denoising ResNet, batch {args.batch} x {args.length}, {args.threads} threads, "
          f"{args.warmup} warm-up + {args.steps} timed steps, torch {torch.__version__}")
    rows = []
    for name in dtypes:
        rows += run_dtype(name, args)
    print(f"{'variant':<8} {'dtype':<5} {'step ms':>9} {'min ms':>9} {'cv':>5} {'speedup':>8} {'conv %':>7} "
          f"{'loss first':>11} {'loss last':>11}  curves")
    for r in rows:
        print(f"{r['variant']:<8} {r['dtype']:<5} {r['median_ms']:>9.1f} {r['min_ms']:>9.1f} {r['cv']:>5.2f} "
              f"{r['speedup_vs_torch']:>7.2f}x {100 * r['conv_fraction']:>6.1f}% {r['loss_first']:>11.5g} "
              f"{r['loss_last']:>11.5g}  {'agree' if r['losses_agree'] else 'DIFFER'} "
              f"(max rel. diff {r['max_loss_rel_diff']:.2g})")
    if args.csv:
        def write_csv(f):
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        write_atomic(args.csv, write_csv)
        write_atomic(args.csv + ".provenance.json", lambda f: json.dump(origin, f, indent=1))
        print(f"wrote {args.csv}")
    if args.figure:
        plot(rows, args.figure, f"AtacWorks training step, batch {args.batch} x {args.length}, "
                                f"{args.threads} threads, torch {torch.__version__}\n{origin['cpu_model']}, "
                                f"{os.cpu_count()} CPUs")
        print(f"wrote {args.figure}")
    return 0 if all(r["losses_agree"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
