#!/usr/bin/env bash
# The main job: install what is missing, build, and run the three passes of
# the AtacWorks layer (n1c15k15w60400s51d8) in FP32 and BF16, printing GFLOPS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
build/tuner/dconv1d-demo "$@"
