#!/usr/bin/env bash
# Runs the train/predict benchmark from the self-contained bundle (bench/gpu/make-bundle.sh),
# on the WebGPU backend (Dawn over Vulkan) by default, with CUDA PyTorch as the peer when the
# machine's python has torch with CUDA (else PyTorch on the CPU, else no peer rows).
#   ./run.sh                         PSSR_BACKEND=webgpu, results in bench/results/train.json
#   PSSR_BACKEND=wasm ./run.sh       the same on wasm (checks the bundle without a GPU)
#   ./run.sh backend                 `pssr backend`: which backends start here and why not
#   ./run.sh cli ARGS...             any pssr command (pssr train / predict ...)
# Environment: PYTHON (default: python3 on PATH), BENCH_ROUNDS, BENCH_STEPS, TORCH_DEVICE.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PSSR_BACKEND="${PSSR_BACKEND:-webgpu}"
node="$here/bin/node"
case "${1:-bench}" in
  backend) exec "$node" "$here/dist/src/cli/main.js" backend ;;
  cli) shift; exec "$node" "$here/dist/src/cli/main.js" "$@" ;;
esac
echo "== machine: $(uname -srm), $(nproc) cores; node $("$node" --version); backend $PSSR_BACKEND"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$node" "$here/dist/src/cli/main.js" backend || true
py="${PYTHON:-$(command -v python3 || true)}"
peer="none"
if [ -n "$py" ] && "$py" -c "import torch" 2>/dev/null; then
  if "$py" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then peer="cuda"; else peer="cpu"; fi
fi
echo "== PyTorch peer: $peer (${py:-no python})"
# The benchmark runs the peer with /usr/bin/python3 when it exists; if torch lives in another
# interpreter (conda, venv), the bundle's torch_resunet.py re-executes itself there.
[ -n "$py" ] && export PSSR_TORCH_PYTHON="${PSSR_TORCH_PYTHON:-$py}"
export TORCH_DEVICE="${TORCH_DEVICE:-$peer}"
cd "$here"
if [ "$peer" = "none" ]; then
  echo "no PyTorch here: ours only (the peer columns will fail); see docs/GPU.md"
fi
# BENCH_ROUNDS / BENCH_STEPS become the benchmark's own --rounds / --steps flags.
"$node" --expose-gc "$here/dist/bench/train.bench.js" ${BENCH_ROUNDS:+--rounds "$BENCH_ROUNDS"} ${BENCH_STEPS:+--steps "$BENCH_STEPS"}
rc=$?
# train.bench.ts names its peer "pytorch-cpu"; say which device the peer really used.
if [ "$TORCH_DEVICE" = "cuda" ] && [ -f bench/results/train.json ]; then
  "$node" -e 'const f=process.argv[1],fs=require("fs");const r=JSON.parse(fs.readFileSync(f,"utf8"));for(const x of r)if(x.peer==="pytorch-cpu")x.peer="pytorch-cuda";fs.writeFileSync(f,JSON.stringify(r,null,2)+"\n")' bench/results/train.json
fi
echo "== results: $here/bench/results/train.json"
cat "$here/bench/results/train.json" 2>/dev/null
exit $rc
