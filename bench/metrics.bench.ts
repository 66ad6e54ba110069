// Benchmark: SSIM and FRC on 2048x2048 float32 images against scikit-image's
// structural_similarity and a numpy-FFT FRC of the same definition (test/ref/metrics_*.py),
// measured in the same run on the same machine. Writes bench/results/metrics.json.
// Run: npx tsc -p . && node dist/bench/metrics.bench.js [--repeats N]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { frc } from "../src/metrics/frc.js";
import { ssim } from "../src/metrics/pixel.js";
import type { Plane } from "../src/image/image.js";
import { repoRoot, runPython } from "../test/helpers.js";
import { noisePlane, tempDir, writeF32 } from "../test/metrics/util.js";
import { bestOfMs, repeatsArg, type BenchRow } from "./common.js";

function main(): void {
  const repeats = repeatsArg(3);
  const n = 2048;
  // A textured image and a noisy copy of it, in [0, 1]-ish range.
  const base = noisePlane(n, n, 1);
  const a: Plane = { data: new Float32Array(n * n), height: n, width: n };
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) a.data[y * n + x] = 0.5 + 0.2 * Math.sin(x / 7) * Math.cos(y / 11) + 0.05 * base.data[y * n + x];
  const nz = noisePlane(n, n, 2);
  const b: Plane = { data: a.data.map((v, k) => v + 0.05 * nz.data[k]), height: n, width: n };
  const { dir, cleanup } = tempDir();
  const rows: BenchRow[] = [];
  try {
    writeF32(join(dir, "a.f32"), a);
    writeF32(join(dir, "b.f32"), b);
    const args = [join(dir, "a.f32"), join(dir, "b.f32"), String(n), String(n), String(repeats)];
    const ssimOurs = bestOfMs(() => ssim(a, b, { dataRange: 1 }), repeats);
    const ssimPeer = JSON.parse(runPython("metrics_pixel.py", ["bench", ...args])).ms as number;
    rows.push({ name: "ssim 7x7 uniform", ours_ms: ssimOurs, peer: "skimage 0.19.3 structural_similarity (float64)", peer_ms: ssimPeer, ratio: ssimOurs / ssimPeer, backend: "cpu-js", shape: [n, n] });
    const frcOurs = bestOfMs(() => frc(a, b), repeats);
    const frcPeer = JSON.parse(runPython("metrics_frc.py", ["bench", ...args])).ms as number;
    rows.push({ name: "frc (tukey 0.25, ring sums)", ours_ms: frcOurs, peer: "numpy.fft FRC (test/ref/metrics_frc.py)", peer_ms: frcPeer, ratio: frcOurs / frcPeer, backend: "cpu-js", shape: [n, n] });
  } finally {
    cleanup();
  }
  const outDir = join(repoRoot, "bench", "results");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "metrics.json"), JSON.stringify(rows, null, 2) + "\n");
  for (const r of rows) console.log(`${r.name.padEnd(30)} ours ${r.ours_ms.toFixed(0)} ms, ${r.peer} ${r.peer_ms.toFixed(0)} ms, ratio ${r.ratio.toFixed(2)}`);
}

main();
