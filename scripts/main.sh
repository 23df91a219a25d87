#!/usr/bin/env bash
# The main job: install what is missing, build, run the default sweep (every
# distinct layer of the AtacWorks model, 1 and 2 threads), tuning the points
# the tuning log lacks, regenerate the tuned header, rebuild, run the sweep
# against the heuristic default and oneDNN, and plot. Prints where the results
# and figures are. Other sweeps: scripts/main.sh sweeps/width.sweep ...
# (see scripts/sweep.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || set -- sweeps/atacworks.sweep
exec scripts/sweep.sh --tune "$@"
