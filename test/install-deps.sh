#!/usr/bin/env bash
# Installs the Debian packages the test suite uses as references and real peers:
# tifffile/scikit-image/scipy (numbers), PyTorch (speed peer), the Jupyter stack (kernel tests),
# Chromium (widget tests), libtiff-tools (tiffcp decodes what tifffile cannot here) and
# clang-14 + lld-14 (to check that the committed WebAssembly module is the build of native/conv.c),
# python3-onnx + python3-yaml (exported model packages), ImageJ under xvfb (it must open what we write)
# and jupyterlab_server (the real JupyterLab harness).
# Runs as root (CI) or through sudo; skips the work when everything is already there.
set -euo pipefail
PKGS=(python3-numpy python3-scipy python3-skimage python3-tifffile python3-torch
      jupyter-nbconvert python3-nbclient python3-jsonschema python3-jupyter-client python3-jupyter-server python3-ipykernel
      chromium libtiff-tools fonts-dejavu-core clang-14 lld-14
      python3-onnx python3-yaml xvfb xauth imagej python3-jupyterlab-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
echo "install-deps: done"
