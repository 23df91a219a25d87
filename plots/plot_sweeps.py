#!/usr/bin/python3
"""Efficiency and speed-up plots from dconv1d-sweep CSVs.

For every sweep CSV and thread count it draws
  <sweep>-t<T>-efficiency.{png,svg}: % of the measured peak against the swept
      parameter, one panel per pass x dtype, lines for ours (tuned), ours
      (heuristic default) and oneDNN;
  <sweep>-t<T>-speedup.{png,svg}: ours over oneDNN, same panels;
and over all CSVs together
  summary.{png,svg}: per pass and dtype, the distribution of the tuned
      speed-up over oneDNN across every sweep point;
  summary.csv: the geometric-mean, minimum and maximum speed-up and the
      minimum % of peak per pass, dtype and thread count.
Every file is written under a temporary name and renamed when complete.

Run it with Debian's interpreter (/usr/bin/python3), which has matplotlib.
"""
import argparse
import csv
import math
import os
import sys
import tempfile

PASSES = ("fwd", "bwd_data", "bwd_weight")
DTYPES = ("f32", "bf16")
IMPLS = ("tuned", "default", "onednn")
SHAPE_KEYS = ("n", "c", "k", "w", "s", "d", "pl", "pr")
AXIS_NAMES = {"n": "batch N", "c": "input channels C", "k": "output channels K", "w": "input width W",
              "s": "filter width S", "d": "dilation d", "pl": "left padding", "pr": "right padding"}
STYLE = {"tuned": dict(color="tab:blue", marker="o", label="dconv1d (tuned)"),
         "default": dict(color="tab:cyan", marker="s", linestyle="--", label="dconv1d (heuristic default)"),
         "onednn": dict(color="tab:red", marker="^", label="oneDNN (best correct impl.)")}
INT_COLUMNS = SHAPE_KEYS + ("threads", "rounds")
FLOAT_COLUMNS = ("median_ms", "min_ms", "cv", "gflops", "peak_gflops", "peak_pct")
REQUIRED = ("sweep", "machine", "descriptor", "pass", "dtype", "impl", "speedup_vs_onednn",
            "onednn_impl", "config_source") + INT_COLUMNS + FLOAT_COLUMNS


class InputError(Exception):
    """A malformed CSV: the message names the file, line and column."""


def parse_row(path, line, row):
    for column in REQUIRED:
        if row.get(column) is None:
            raise InputError(f"{path}:{line}: column '{column}' is missing (short row?)")
    out = dict(row)
    for column in INT_COLUMNS:
        try:
            out[column] = int(row[column])
        except ValueError:
            raise InputError(f"{path}:{line}: column '{column}': '{row[column]}' is not an integer") from None
    for column in FLOAT_COLUMNS + ("speedup_vs_onednn",):
        try:
            value = float(row[column])
        except ValueError:
            raise InputError(f"{path}:{line}: column '{column}': '{row[column]}' is not a number") from None
        if column != "speedup_vs_onednn" and not math.isfinite(value):
            raise InputError(f"{path}:{line}: column '{column}': '{row[column]}' is not finite")
        out[column] = value
    for column, allowed in (("pass", PASSES), ("dtype", DTYPES), ("impl", IMPLS)):
        if row[column] not in allowed:
            raise InputError(f"{path}:{line}: column '{column}': '{row[column]}' is not one of {', '.join(allowed)}")
    if out["threads"] < 1 or out["peak_gflops"] <= 0:
        raise InputError(f"{path}:{line}: threads and peak_gflops must be positive")
    return out


def read_sweep_csv(path):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None:
                raise InputError(f"{path}: the file is empty (no header line)")
            missing = [c for c in REQUIRED if c not in reader.fieldnames]
            if missing:
                raise InputError(f"{path}:1: the header lacks column(s) {', '.join(missing)}: "
                                 "is this a dconv1d-sweep CSV?")
            rows = [parse_row(path, reader.line_num, row) for row in reader]
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable CSV: {e}") from None
    if not rows:
        raise InputError(f"{path}: the header is there but there are no rows")
    if len({r["sweep"] for r in rows}) != 1:
        raise InputError(f"{path}: rows from more than one sweep ({', '.join(sorted({r['sweep'] for r in rows}))})")
    return rows


def swept_parameter(rows):
    """The one shape key that varies, or None (then points are categories)."""
    varying = [k for k in SHAPE_KEYS if len({r[k] for r in rows}) > 1]
    if len(varying) == 1:
        return varying[0]
    if set(varying) == {"pl", "pr"} and all(r["pl"] == r["pr"] for r in rows):
        return "pl"
    return None


def points(rows, key):
    """The x positions, in order: values of key, or descriptors as categories."""
    if key:
        return sorted({r[key] for r in rows})
    seen = []
    for r in rows:
        if r["descriptor"] not in seen:
            seen.append(r["descriptor"])
    return seen


def save(fig, out_dir, stem, formats):
    written = []
    for fmt in formats:
        final = os.path.join(out_dir, f"{stem}.{fmt}")
        fd, temp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".{fmt}", dir=out_dir)
        os.close(fd)
        try:
            fig.savefig(temp, format=fmt, dpi=110, bbox_inches="tight")
            os.replace(temp, final)
        except BaseException:
            os.unlink(temp)
            raise
        written.append(final)
    return written


def peak_text(rows):
    peaks = []
    for dtype in DTYPES:
        values = sorted(r["peak_gflops"] for r in rows if r["dtype"] == dtype)
        if values:
            peaks.append(f"{dtype.upper()} {values[len(values) // 2]:.0f}")
    return "measured peak " + ", ".join(peaks) + " GFLOPS"


def sweep_figure(plt, rows, threads, metric):
    """One figure: panels pass x dtype, x = the swept parameter."""
    rows = [r for r in rows if r["threads"] == threads]
    key = swept_parameter(rows)
    xs = points(rows, key)
    dtypes = [d for d in DTYPES if any(r["dtype"] == d for r in rows)]
    passes = [p for p in PASSES if any(r["pass"] == p for r in rows)]
    fig, axes = plt.subplots(len(passes), len(dtypes), figsize=(5.2 * len(dtypes), 2.9 * len(passes)),
                             squeeze=False, sharex=True)
    log_x = key is not None and xs[0] > 0 and xs[-1] / xs[0] >= 20
    for i, pass_name in enumerate(passes):
        for j, dtype in enumerate(dtypes):
            ax = axes[i][j]
            panel = [r for r in rows if r["pass"] == pass_name and r["dtype"] == dtype]
            impls = IMPLS if metric == "efficiency" else IMPLS[:2]
            for impl in impls:
                by_x = {(r[key] if key else r["descriptor"]): r for r in panel if r["impl"] == impl}
                line_x = [x for x in xs if x in by_x]
                if metric == "efficiency":
                    ys = [by_x[x]["peak_pct"] for x in line_x]
                else:
                    ys = [by_x[x]["speedup_vs_onednn"] for x in line_x]
                    # no finite ratio at all where oneDNN implements nothing (BF16 below AVX-512)
                    kept = [(x, y) for x, y in zip(line_x, ys) if math.isfinite(y)]
                    line_x, ys = [x for x, _ in kept], [y for _, y in kept]
                positions = list(line_x) if key else [xs.index(x) for x in line_x]
                ax.plot(positions, ys, markersize=4, linewidth=1.4, **STYLE[impl])
            if metric == "efficiency":
                ax.set_ylim(0, 110)
                ax.axhline(100, color="grey", linewidth=0.6)
            else:
                ax.set_yscale("log")
                plain_log_labels(ax.yaxis)
                ax.axhline(1.0, color="tab:red", linewidth=0.8)
            if log_x:
                ax.set_xscale("log")
                plain_log_labels(ax.xaxis)
            if not key:
                ax.set_xticks(range(len(xs)))
                ax.set_xticklabels(xs, rotation=25, ha="right", fontsize=7)
            ax.set_title(f"{pass_name} {dtype.upper()}", fontsize=10)
            ax.grid(True, which="both", alpha=0.3)
            if j == 0:
                ax.set_ylabel("% of peak" if metric == "efficiency" else "speed-up over oneDNN")
            if i == len(passes) - 1:
                ax.set_xlabel(AXIS_NAMES[key] if key else "layer")
    machine, sweep = rows[0]["machine"], rows[0]["sweep"]
    what = "efficiency" if metric == "efficiency" else "speed-up over oneDNN (> 1: dconv1d faster)"
    fig.suptitle(f"{sweep} sweep: {what}\n{machine}, {threads} thread{'s' if threads > 1 else ''}, "
                 f"{peak_text(rows)}", fontsize=11)
    axes[0][0].legend(fontsize=7, loc="lower right" if metric == "efficiency" else "best")
    fig.text(0.01, -0.01, "Medians of round-robin timing in one process (tuned, default, oneDNN interleaved); "
             "peak measured in the same run. Made by plots/plot_sweeps.py from the sweep CSV.",
             fontsize=7, ha="left", va="top")
    fig.tight_layout()
    return fig


def plain_log_labels(axis):
    """Log-axis ticks as plain numbers: at 1, 2 and 5 times powers of ten, at every tick on a short axis."""
    from matplotlib.ticker import FuncFormatter

    def label(value, _position):
        if value <= 0:
            return ""
        low, high = axis.get_view_interval()
        digits = range(1, 10) if low > 0 and high / low < 4 else (1, 2, 5)
        leading = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f"{value:g}" if any(abs(leading - d) < 1e-6 for d in digits) else ""
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(FuncFormatter(label))


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def summarize(all_rows):
    """Per (pass, dtype, threads): geomean/min/max tuned speed-up and min % of peak."""
    table = []
    for pass_name in PASSES:
        for dtype in DTYPES:
            for threads in sorted({r["threads"] for r in all_rows}):
                tuned = [r for r in all_rows if r["impl"] == "tuned" and r["pass"] == pass_name
                         and r["dtype"] == dtype and r["threads"] == threads]
                speedups = [r["speedup_vs_onednn"] for r in tuned
                            if math.isfinite(r["speedup_vs_onednn"]) and r["speedup_vs_onednn"] > 0]
                if not tuned:
                    continue
                table.append(dict(pass_=pass_name, dtype=dtype, threads=threads, points=len(tuned),
                                  geomean=geomean(speedups) if speedups else float("nan"),
                                  min=min(speedups, default=float("nan")), max=max(speedups, default=float("nan")),
                                  min_peak_pct=min(r["peak_pct"] for r in tuned),
                                  min_peak_at=min(tuned, key=lambda r: r["peak_pct"])["descriptor"]))
    return table


def summary_figure(plt, all_rows, table):
    threads_list = sorted({r["threads"] for r in all_rows})
    groups = [(p, d) for p in PASSES for d in DTYPES if any(t["pass_"] == p and t["dtype"] == d for t in table)]
    fig, ax = plt.subplots(figsize=(min(11.0, max(6.0, 0.9 * len(groups) * len(threads_list))), 4.4))
    width = 0.8 / len(threads_list)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    for ti, threads in enumerate(threads_list):
        data, positions = [], []
        for gi, (pass_name, dtype) in enumerate(groups):
            values = [r["speedup_vs_onednn"] for r in all_rows
                      if r["impl"] == "tuned" and r["pass"] == pass_name and r["dtype"] == dtype
                      and r["threads"] == threads and math.isfinite(r["speedup_vs_onednn"])]
            if values:
                data.append(values)
                positions.append(gi + (ti - (len(threads_list) - 1) / 2) * width)
        if not data:
            continue
        parts = ax.boxplot(data, positions=positions, widths=width * 0.9, patch_artist=True, showfliers=False)
        for box in parts["boxes"]:
            box.set_facecolor(colors[ti % len(colors)])
            box.set_alpha(0.45)
        for pos, values in zip(positions, data):
            ax.scatter([pos] * len(values), values, s=6, color=colors[ti % len(colors)], alpha=0.7, zorder=3)
        ax.plot([], [], color=colors[ti % len(colors)], linewidth=6, alpha=0.45,
                label=f"{threads} thread{'s' if threads > 1 else ''}")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{p}\n{d.upper()}" for p, d in groups])
    ax.set_yscale("log")
    plain_log_labels(ax.yaxis)
    ax.axhline(1.0, color="tab:red", linewidth=0.8)
    ax.set_ylabel("dconv1d (tuned) speed-up over oneDNN")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    sweeps = sorted({r["sweep"] for r in all_rows})
    peaks = "; ".join(f"{t} thread{'s' if t > 1 else ''}: {peak_text([r for r in all_rows if r['threads'] == t])}"
                      for t in threads_list)
    ax.set_title(f"All sweep points ({', '.join(sweeps)})\n{all_rows[0]['machine']}; {peaks}", fontsize=9)
    fig.tight_layout()
    return fig


def write_summary_csv(path, table):
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".summary.", suffix=".csv", dir=directory)
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pass", "dtype", "threads", "points", "geomean_speedup", "min_speedup", "max_speedup",
                    "min_peak_pct", "min_peak_at"])
        for t in table:
            w.writerow([t["pass_"], t["dtype"], t["threads"], t["points"], f"{t['geomean']:.3f}",
                        f"{t['min']:.3f}", f"{t['max']:.3f}", f"{t['min_peak_pct']:.1f}", t["min_peak_at"]])
    os.replace(temp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="Example: /usr/bin/python3 plots/plot_sweeps.py --out-dir "
                                            "plots/MACHINE results/MACHINE/*.csv")
    parser.add_argument("csv", nargs="+", help="dconv1d-sweep CSV files (results/<machine>/<sweep>.csv)")
    parser.add_argument("--out-dir", required=True, help="folder for the figures (created if missing)")
    parser.add_argument("--formats", default="png,svg", help="comma-separated figure formats (default png,svg)")
    parser.add_argument("--summary-csv", help="also write the summary table here")
    args = parser.parse_args(argv)
    try:
        tables = [read_sweep_csv(path) for path in args.csv]
    except InputError as e:
        print(f"plot_sweeps: {e}", file=sys.stderr)
        return 2
    machines = {rows[0]["machine"] for rows in tables}
    if len(machines) > 1:
        print(f"plot_sweeps: the CSVs come from different machines ({', '.join(sorted(machines))}): "
              "plot one machine at a time", file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"plot_sweeps: matplotlib is missing for {sys.executable}; use Debian's /usr/bin/python3 "
              "(apt install python3-matplotlib)", file=sys.stderr)
        return 3
    os.makedirs(args.out_dir, exist_ok=True)
    formats = [f for f in args.formats.split(",") if f]
    written = []
    for rows in tables:
        for threads in sorted({r["threads"] for r in rows}):
            for metric in ("efficiency", "speedup"):
                fig = sweep_figure(plt, rows, threads, metric)
                written += save(fig, args.out_dir, f"{rows[0]['sweep']}-t{threads}-{metric}", formats)
                plt.close(fig)
    all_rows = [r for rows in tables for r in rows]
    table = summarize(all_rows)
    fig = summary_figure(plt, all_rows, table)
    written += save(fig, args.out_dir, "summary", formats)
    plt.close(fig)
    if args.summary_csv:
        write_summary_csv(args.summary_csv, table)
        written.append(args.summary_csv)
    print(f"{'pass':<10} {'dtype':<5} {'T':>2} {'points':>6} {'geomean':>8} {'min':>7} {'max':>7} {'min %peak':>9}")
    def ratio(value, width):  # no ratio where oneDNN had no implementation
        return f"{value:>{width}.2f}x" if math.isfinite(value) else f"{'-':>{width}} "
    for t in table:
        print(f"{t['pass_']:<10} {t['dtype']:<5} {t['threads']:>2} {t['points']:>6} {ratio(t['geomean'], 7)} "
              f"{ratio(t['min'], 6)} {ratio(t['max'], 6)} {t['min_peak_pct']:>8.1f}%  ({t['min_peak_at']})")
    print(f"wrote {len(written)} files to {args.out_dir}" + (f" and {args.summary_csv}" if args.summary_csv else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
