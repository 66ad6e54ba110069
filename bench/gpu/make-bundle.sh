#!/usr/bin/env bash
# Assembles a self-contained folder that runs the train/predict benchmark (and the pssr CLI) on
# a linux-x64 machine with no Node.js and no network, e.g. a GPU node:
#   bin/node                      this machine's Node binary
#   dist/                         the built code (dist/src, dist/bench, dist/test/helpers.js)
#   node_modules/                 the run-time packages only: tfjs core/layers/cpu/wasm/webgpu
#                                 (their node bundles and .wasm files), webgpu (Dawn's
#                                 dawn.node for linux-x64), geotiff, zarrita, fft.js, ... and
#                                 their dependencies
#   lib/                          the Vulkan loader (libvulkan.so.1) when this machine has one
#                                 or apt can download it (Dawn dlopens it; the NVIDIA driver
#                                 supplies the ICD)
#   test/ref/torch_resunet*.py    the PyTorch peer (CUDA when available; bench/gpu/torch_resunet_gpu.py)
#   run.sh                        bench/gpu/run.sh
# and a .tar.xz of it beside the folder.
#   bash bench/gpu/make-bundle.sh [OUT_DIR]    (default /tmp/pssr-gpu-bundle); build first: npx tsc -p .
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-/tmp/pssr-gpu-bundle}"
node_bin="$(command -v node)"
[ -f "$repo/dist/bench/train.bench.js" ] || { echo "build first: npx tsc -p ." >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/dist/test" "$out/test/ref" "$out/lib" "$out/bench/results" "$out/node_modules"
cp "$(readlink -f "$node_bin")" "$out/bin/node"
cp -r "$repo/dist/src" "$out/dist/src"
mkdir -p "$out/dist/bench"
cp "$repo"/dist/bench/*.js "$out/dist/bench/"
cp "$repo/dist/test/helpers.js" "$out/dist/test/"
# The benchmark runs test/ref/torch_resunet.py; in the bundle that name is a wrapper choosing
# the device (CUDA when present) around the original.
cp "$repo/test/ref/torch_resunet.py" "$out/test/ref/torch_resunet_orig.py"
cp "$here/torch_resunet_gpu.py" "$out/test/ref/torch_resunet.py"
cp "$here/run.sh" "$out/run.sh"
chmod +x "$out/run.sh"
printf '{\n  "name": "pssr-lab-gpu-bundle",\n  "version": "%s",\n  "type": "module",\n  "private": true\n}\n' \
  "$(node -p "require('$repo/package.json').version")" > "$out/package.json"
cp "$repo/package.json" "$out/pssr-lab.package.json"

# Run-time package closure (dependencies + installed optional dependencies), copied with
# pruning: tfjs packages keep only their Node bundle (package.json "main") and .wasm files,
# webgpu keeps only dist/linux-x64; source maps and type declarations are dropped.
(cd "$repo" && node --input-type=module - "$out" <<'JS'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
const out = process.argv[2];
const roots = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm",
  "@tensorflow/tfjs-backend-webgpu", "webgpu", "geotiff", "zarrita", "fft.js"];
const seen = new Map();
function find(name, from) {
  for (let d = from; ; d = dirname(d)) {
    const p = join(d, "node_modules", name);
    if (existsSync(join(p, "package.json"))) return p;
    if (dirname(d) === d) return null;
  }
}
const queue = roots.map((n) => [n, process.cwd()]);
while (queue.length) {
  const [name, from] = queue.shift();
  const dir = find(name, from);
  if (!dir) { if (roots.includes(name)) console.error(`missing ${name}`); continue; }
  if (seen.has(dir)) continue;
  seen.set(dir, name);
  const pj = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  for (const d of Object.keys({ ...(pj.dependencies ?? {}), ...(pj.optionalDependencies ?? {}) })) {
    if (d.startsWith("@types/") || d === "@webgpu/types") continue;
    queue.push([d, dir]);
  }
}
const skip = (src) => /\.(map|d\.ts|md|ts)$/.test(src) && !src.endsWith("package.json");
for (const [dir] of seen) {
  const rel = dir.slice(process.cwd().length + 1);
  const dest = join(out, rel);
  const pj = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  mkdirSync(dest, { recursive: true });
  if (pj.name?.startsWith("@tensorflow/tfjs-")) {
    cpSync(join(dir, "package.json"), join(dest, "package.json"));
    cpSync(join(dir, pj.main), join(dest, pj.main));
    const dist = join(dir, "dist");
    for (const f of readdirSync(dist)) if (f.endsWith(".wasm") || (f.endsWith(".js") && f.includes("worker"))) cpSync(join(dist, f), join(dest, "dist", f));
    if (existsSync(join(dir, "node_modules"))) cpSync(join(dir, "node_modules"), join(dest, "node_modules"), { recursive: true, filter: (s) => !skip(s) });
  } else if (pj.name === "webgpu") {
    cpSync(dir, dest, { recursive: true, filter: (s) => !skip(s) && !/\/dist\/(?!linux-x64)[^/]+/.test(s.slice(dir.length)) });
  } else {
    cpSync(dir, dest, { recursive: true, filter: (s) => !skip(s) || s.endsWith("package.json") });
  }
}
console.log(`${seen.size} packages: ${[...seen.values()].sort().join(" ")}`);
JS
)

# The Vulkan loader: from this machine, else the Debian package (apt-get download, no install).
vk="$(ls /usr/lib/x86_64-linux-gnu/libvulkan.so.1* 2>/dev/null | head -1 || true)"
if [ -n "$vk" ]; then
  cp -L "$vk" "$out/lib/libvulkan.so.1"
elif command -v apt-get >/dev/null; then
  tmp="$(mktemp -d)"
  if (cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1); then
    dpkg-deb -x "$tmp"/libvulkan1_*.deb "$tmp/x"
    cp -L "$(ls "$tmp"/x/usr/lib/x86_64-linux-gnu/libvulkan.so.1.* | head -1)" "$out/lib/libvulkan.so.1"
  else
    echo "note: no libvulkan.so.1 here and apt-get download failed; the target needs its own Vulkan loader" >&2
  fi
  rm -rf "$tmp"
fi

(cd "$(dirname "$out")" && tar -cJf "$out.tar.xz" "$(basename "$out")")
echo "bundle: $out ($(du -sh "$out" | cut -f1)), archive: $out.tar.xz ($(du -h "$out.tar.xz" | cut -f1))"
