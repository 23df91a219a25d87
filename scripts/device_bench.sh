#!/usr/bin/env bash
# The 16-core numbers: run on a lent machine that has no Debian packages (no
# LIBXSMM, no oneDNN 2.6) but has its own PyTorch and a C++ compiler. What
# it needs travels in CARRY (default .devcarry): libdconv1d.so, dconv1d-sweep,
# libdnnl.so.2 and libOpenCL.so.1, built or copied on the Debian machine:
#   mkdir -p .devcarry && cp build/src/libdconv1d.so build/tuner/dconv1d-sweep .devcarry/ &&
#   cp -L /lib/x86_64-linux-gnu/libdnnl.so.2 /lib/x86_64-linux-gnu/libOpenCL.so.1 .devcarry/
# After an unsaved warm-up sweep it runs the speed issue's baseline shapes
# (C = K = 16 and 64, S = 51, d = 8) at 1, 2, 8 and 16 threads and the AtacWorks
# layers at 1 and 16 (dconv1d against Debian's oneDNN 2.6, carried), then builds the PyTorch binding against that
# machine's torch and runs the AtacWorks training benchmark at N = 16 with 16
# threads (torch.nn.Conv1d there uses that torch's own oneDNN). Results go
# to $OUT (default /tmp/device-out): two sweep CSVs, the training CSV (each
# with its provenance), device.log and the figure as one tar. TRAINING=0 runs
# the sweeps only.
set -uo pipefail
carry=$PWD/${CARRY:-.devcarry}
out=${OUT:-/tmp/device-out}
mkdir -p "$out" /tmp/figure
export LD_LIBRARY_PATH=$carry${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONUNBUFFERED=1
{
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket)'
  grep -o -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' '
  echo
} | tee "$out/device.log"

# 0. an unsaved warm-up: in the runs at 2a60f8b and c3cef24 whichever sweep ran first read low at 1 thread
cat >/tmp/warmup.sweep <<'EOF'
name = warmup
shapes = n1c16k16w60400s51d8
pass = fwd
dtype = f32
threads = 1, 16
EOF
timeout 60 "$carry/dconv1d-sweep" --budget 1 --out-dir /tmp/warmup /tmp/warmup.sweep >/dev/null 2>&1

# 1. the AtacWorks layers at 1 and 16 threads, the baseline shapes at 1, 2, 8 and 16
cat >/tmp/atacworks16.sweep <<'EOF'
name = atacworks-t1-t16
shapes = n1c15k15w60000s51d8pl200pr200, n1c1k15w60000s51d8pl200pr200, n1c15k15w60000s1d1, n1c15k1w60000s1d1
threads = 1, 16
EOF
cat >/tmp/baseline16.sweep <<'EOF'
name = baseline-t1-t16
shapes = n1c16k16w60400s51d8, n1c64k64w20400s51d8
threads = 1, 2, 8, 16
EOF
# one run per sweep: a sweep killed by its timeout writes no CSV (each took 30-45 s at 1 thread on the VM)
for sweep in baseline16 atacworks16; do
  timeout "${SWEEP_SECONDS:-150}" "$carry/dconv1d-sweep" --budget "${BUDGET:-0.3}" --out-dir "$out" \
    "/tmp/$sweep.sweep" 2>&1 | tee -a "$out/device.log"
done

# 2. the PyTorch binding against this machine's torch, and the training benchmark (TRAINING=0: skipped)
[ "${TRAINING:-1}" = 0 ] && exit 0
python3 - <<'EOF' >/tmp/torch_flags || exit 1
import torch, torch.utils.cpp_extension as ext
print(" ".join("-I" + p for p in ext.include_paths()), " ".join("-L" + p + " -Wl,-rpath," + p for p in ext.library_paths()),
      "-D_GLIBCXX_USE_CXX11_ABI=%d" % int(torch.compiled_with_cxx11_abi()))
EOF
# shellcheck disable=SC2046
g++ -O2 -std=c++17 -shared -fPIC python/binding.cpp -Isrc $(cat /tmp/torch_flags) -ltorch -ltorch_cpu -lc10 \
  -L"$carry" -ldconv1d -Wl,-rpath,"$carry" -o /tmp/libdconv1d_torch_ops.so 2>&1 | tail -20
DCONV1D_TORCH_OPS=/tmp/libdconv1d_torch_ops.so PYTHONPATH=python timeout "${TRAIN_SECONDS:-270}" python3 examples/atacworks/train_bench.py \
  --batch "${BATCH:-16}" --threads "${THREADS:-16}" --warmup 1 --steps "${STEPS:-5}" \
  --csv "$out/atacworks_training_n16.csv" --figure /tmp/figure/atacworks_training_n16.png 2>&1 | tee -a "$out/device.log"
# one file for the figure (.png and .svg): the lent machine sends back at most eight
tar -cf "$out/atacworks_training_n16_figure.tar" -C /tmp/figure . 2>/dev/null
