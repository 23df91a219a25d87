#!/usr/bin/env bash
# The end-to-end AtacWorks training benchmark: torch.nn.Conv1d (oneDNN) against
# dconv1d_torch.Conv1d, FP32 and BF16 (autocast), interleaved steps. Builds what
# is missing, then runs examples/atacworks/train_bench.py with Debian's
# /usr/bin/python3 (the one with torch). Options pass through (see --help),
# e.g. --batch 2 --threads 2 --steps 6. Writes
# results/<machine>/atacworks_training.csv (+ provenance) and
# plots/<machine>/atacworks_training.{png,svg}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
ops=build/python/libdconv1d_torch_ops.so
if [ ! -f "$ops" ]; then
  echo "atacworks_bench: $ops was not built; 'meson configure build' shows why (PyTorch module)" >&2
  exit 1
fi
machine=$(build/tuner/dconv1d-sweep --print-machine)
DCONV1D_TORCH_OPS=$ops PYTHONPATH=python exec /usr/bin/python3 examples/atacworks/train_bench.py \
  --csv "results/$machine/atacworks_training.csv" --figure "plots/$machine/atacworks_training.png" "$@"
