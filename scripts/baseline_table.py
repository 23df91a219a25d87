#!/usr/bin/python3
"""Prints the README's baseline table (Markdown) from dconv1d-bench CSVs.

usage: baseline_table.py [--compact] FILE.csv...   (each written by dconv1d-bench --csv)
One row per pass, dtype, descriptor and thread count: dconv1d and oneDNN in
GFLOPS and % of the peak measured in the same run, the median per-pair
speedup, and oneDNN's implementation. --compact: one row per descriptor and
thread count, a column per pass and dtype, each cell dconv1d's % of peak
(its median per-pair speedup against oneDNN's best).
"""
import csv
import sys

REQUIRED = {"pass", "dtype", "descriptor", "threads", "impl", "gflops", "peak_pct", "speedup_vs_onednn",
            "onednn_impl", "cv"}


def read_rows(path):
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = REQUIRED - set(reader.fieldnames or [])
            if missing:
                sys.exit(f"{path}: not a dconv1d-bench CSV (missing columns: {', '.join(sorted(missing))})")
            return list(reader)
    except OSError as error:
        sys.exit(f"{path}: {error.strerror}")


PASSES = ("fwd", "bwd_data", "bwd_weight")


def print_compact(cases):
    columns = [(p, d) for d in ("f32", "bf16") for p in PASSES]
    print("| shape | threads | " + " | ".join(f"{p} {d}" for p, d in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    rows = sorted({(k[2], k[3]) for k in cases})
    for descriptor, threads in rows:
        cells = []
        for p, d in columns:
            case = cases.get((p, d, descriptor, threads), {})
            ours = case.get("dconv1d")
            if not ours:
                cells.append("–")
            elif case.get("onednn"):
                cells.append(f"{float(ours['peak_pct']):.0f} % ({float(ours['speedup_vs_onednn']):.2f}×)")
            else:  # oneDNN had no implementation here (BF16 below AVX-512): dconv1d alone
                cells.append(f"{float(ours['peak_pct']):.0f} % (–)")
        print(f"| {descriptor} | {threads} | " + " | ".join(cells) + " |")


def main(paths):
    compact = bool(paths) and paths[0] == "--compact"
    paths = paths[1:] if compact else paths
    if not paths:
        sys.exit(__doc__)
    cases = {}
    for path in paths:
        for line, row in enumerate(read_rows(path), start=2):
            try:
                key = (row["pass"], row["dtype"], row["descriptor"], int(row["threads"]))
                cases.setdefault(key, {})[row["impl"]] = row
            except (KeyError, ValueError) as error:
                sys.exit(f"{path}:{line}: malformed row ({error})")
    if compact:
        print_compact(cases)
        return
    print("| pass | dtype | shape | threads | dconv1d GFLOPS (% peak) | oneDNN GFLOPS (% peak) | speedup | oneDNN impl |")
    print("|---|---|---|---|---|---|---|---|")
    order = {name: i for i, name in enumerate(PASSES)}
    for key in sorted(cases, key=lambda k: (k[2], k[3], k[1], order.get(k[0], 9))):
        ours, theirs = cases[key].get("dconv1d"), cases[key].get("onednn")
        if not ours:
            continue
        cell = lambda r: f"{float(r['gflops']):.1f} ({float(r['peak_pct']):.0f} %)" if r else "–"
        speedup = f"{float(ours['speedup_vs_onednn']):.2f}×" if theirs else "–"
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {cell(ours)} | {cell(theirs)} | {speedup} | "
              f"{ours['onednn_impl'] or '–'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
