#!/usr/bin/env bash
# Installs the Debian 12 packages dconv1d needs, when any is missing.
# Sourced by main.sh and test.sh; safe to run again.
set -euo pipefail
DCONV1D_PACKAGES=(gcc g++ pkg-config meson ninja-build libxsmm-dev libdnnl-dev libbenchmark-dev
                  python3-matplotlib python3-numpy python3-torch libtorch-dev)
missing=()
for pkg in "${DCONV1D_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
