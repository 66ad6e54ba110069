// Benchmark: SSIM and FRC on 2048x2048 float32 images against scikit-image's
// structural_similarity and a numpy-FFT FRC of the same definition (test/ref/metrics_*.py),
// measured in the same run on the same machine. Writes bench/results/metrics.json.
// Run: npm run build && node dist/bench/metrics.bench.js [--repeats N]
import { join } from "node:path";
import { frc } from "../src/metrics/frc.js";
import { ssim } from "../src/metrics/pixel.js";
import type { Plane } from "../src/image/image.js";
import { runPython } from "../test/helpers.js";
import { noisePlane, tempDir, writeF32 } from "../test/metrics/util.js";
import { benchOptions, timeMs, writeResults, type BenchRow } from "./common.js";

async function main(): Promise<void> {
  const { repeats } = benchOptions({ repeats: 3 });
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
    const ssimOurs = await timeMs(() => ssim(a, b, { dataRange: 1 }), { repeats });
    const ssimPeer = JSON.parse(runPython("metrics_pixel.py", ["bench", ...args])).ms as number;
    rows.push({ name: "ssim 7x7 uniform", ours_ms: ssimOurs, peer: "skimage 0.19.3 structural_similarity (float64)", peer_ms: ssimPeer, ratio: ssimOurs / ssimPeer, backend: "cpu-js", shape: [n, n] });
    const frcOurs = await timeMs(() => frc(a, b), { repeats });
    const frcPeer = JSON.parse(runPython("metrics_frc.py", ["bench", ...args])).ms as number;
    rows.push({ name: "frc (tukey 0.25, ring sums)", ours_ms: frcOurs, peer: "numpy.fft FRC (test/ref/metrics_frc.py)", peer_ms: frcPeer, ratio: frcOurs / frcPeer, backend: "cpu-js", shape: [n, n] });
  } finally {
    cleanup();
  }
  await writeResults("metrics", rows);
}

await main();
