#!/usr/bin/python3
"""Prints the README's baseline table (Markdown) from dconv1d-bench CSVs.

usage: baseline_table.py FILE.csv...   (each written by dconv1d-bench --csv)
One row per pass, dtype, descriptor and thread count: dconv1d and oneDNN in
GFLOPS and % of the peak measured in the same run, the median per-pair
speedup, and oneDNN's implementation.
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


def main(paths):
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
    print("| pass | dtype | shape | threads | dconv1d GFLOPS (% peak) | oneDNN GFLOPS (% peak) | speedup | oneDNN impl |")
    print("|---|---|---|---|---|---|---|---|")
    order = {"fwd": 0, "bwd_data": 1, "bwd_weight": 2}
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
