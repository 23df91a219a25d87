#!/usr/bin/env bash
# The PyTorch module as installed: `meson install` into a scratch DESTDIR, then
# import dconv1d_torch from there (the operator library found next to the
# package, no DCONV1D_TORCH_OPS) and train one step of a fused-ReLU layer.
#   usage: test_torch_install.sh BUILD_DIR PYTHON
set -u
build=$1 python=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! meson install -C "$build" --destdir "$tmp" --no-rebuild >"$tmp/install.log" 2>&1; then
  echo "FAIL: meson install: $(tail -5 "$tmp/install.log")"
  exit 1
fi
package=$(find "$tmp" -path '*/dconv1d_torch/__init__.py' | head -1)
library=$(find "$tmp" -name 'libdconv1d.so' | head -1)
[ -n "$package" ] && [ -n "$library" ] || { echo "FAIL: the package or libdconv1d.so was not installed"; exit 1; }
env -u DCONV1D_TORCH_OPS LD_LIBRARY_PATH="$(dirname "$library")" PYTHONPATH="$(dirname "$(dirname "$package")")" \
  "$python" - "$tmp" <<'PY'
import sys, torch, dconv1d_torch
assert dconv1d_torch.library_path().startswith(sys.argv[1]), dconv1d_torch.library_path()
conv = dconv1d_torch.Conv1d(3, 4, 5, dilation=2, padding="same", activation="relu")
x = torch.randn(2, 3, 64, requires_grad=True)
conv(x).square().sum().backward()
ref = torch.relu(torch.nn.functional.conv1d(x, conv.weight, conv.bias, dilation=2, padding="same"))
assert torch.allclose(conv(x), ref, rtol=1e-5, atol=1e-5)
assert x.grad is not None and conv.weight.grad is not None and conv.bias.grad is not None
print("test_torch_install: the installed module works")
PY
