// Benchmark: does tiled inference grow linearly in pixels? The `tiny` PSSR2-style network
// (resunet-lr, scale 4) restores random LR inputs of 512, 1024, 2048 and 4096 px square
// (sizes are LR INPUT sides; the HR outputs are 4x: 2048 ... 16384 px), tiles 256 LR px with
// 64 px overlap, on wasm (or $PSSR_BACKEND). Printed: ms per output megapixel.
// Rows (bench/results/scaling.json):
//   scaling_tiny_<side>:        peer "linear from 512" = the 512 time scaled by the number of
//                               tiles (what perfectly linear growth predicts); ratio =
//                               measured / expected (1 = linear, > 1 = worse than linear).
//   scaling_tiny_<side>_torch:  the same tiling in PyTorch on the CPU (test/ref/torch_resunet.py)
//                               for sides up to 1024 (bigger ones would take too long on the
//                               shared 2-core machine); ratio = ours / PyTorch.
// The count of tiles, not of pixels, is the fair yardstick: with a 256 px tile every side is
// covered by ceil((side - 64) / 192) tiles, so 512 px costs 9 tiles (2.25x its pixel share).
// A pixel-linear column (ms per output megapixel) is printed and stored too.
//   npm run build && node dist/bench/scaling.bench.js [--max 4096] [--torch-max 1024]
import { selectBackend } from "../src/backend/index.js";
import { buildModel } from "../src/model/index.js";
import { predictNormalized } from "../src/predict/index.js";
import { runPython } from "../test/helpers.js";
import { benchOptions, timeMs, writeResults, type BenchRow } from "./common.js";

const { max: MAX, "torch-max": TORCH_MAX } = benchOptions({ max: 4096, "torch-max": 1024 });
const TILE = 256;
const OVERLAP = 64;
const SCALE = 4;
const sides = [512, 1024, 2048, 4096].filter((s) => s <= MAX);

function tilesPerSide(side: number): number {
  if (side <= TILE) return 1;
  return Math.ceil((side - OVERLAP) / (TILE - OVERLAP));
}

const { name: backend } = await selectBackend();
const model = buildModel({ preset: "tiny", arch: "resunet-lr", scale: SCALE }, 0);
const warm = new Float32Array(TILE * TILE).map(() => Math.random());
predictNormalized(model, { data: warm, height: TILE, width: TILE, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP });

const rows: BenchRow[] = [];
let base: { ms: number; tiles: number; mpx: number } | null = null;
for (const side of sides) {
  const img = new Float32Array(side * side);
  for (let i = 0; i < img.length; i++) img[i] = Math.random();
  // Best of 2 for the small sizes (noise on a shared machine), 1 run for the big ones.
  const reps = side <= 1024 ? 2 : 1;
  const ms = await timeMs(() => predictNormalized(model, { data: img, height: side, width: side, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP }), { repeats: reps });
  const tiles = tilesPerSide(side) ** 2;
  const mpx = (side * SCALE) ** 2 / 2 ** 20;
  base ??= { ms, tiles, mpx };
  const expected = (base.ms * tiles) / base.tiles;
  const perMpx = ms / mpx;
  console.log(`${side}^2 LR -> ${side * SCALE}^2 HR: ${ms.toFixed(0)} ms, ${tiles} tiles, ${perMpx.toFixed(0)} ms per output Mpx (512: ${(base.ms / base.mpx).toFixed(0)}); measured/expected(linear in tiles) ${(ms / expected).toFixed(3)}`);
  rows.push({
    name: `scaling_tiny_${side}`,
    ours_ms: +ms.toFixed(1),
    peer: "linear from 512",
    peer_ms: +expected.toFixed(1),
    ratio: +(ms / expected).toFixed(3),
    backend,
    shape: `${side}x${side}x1 LR -> ${side * SCALE}x${side * SCALE}x1 HR, tiny resunet-lr x4, tiles ${TILE} overlap ${OVERLAP} (${tiles} tiles)`,
    ms_per_output_mpx: +perMpx.toFixed(1),
    ratio_pixel_linear: +(perMpx / (base.ms / base.mpx)).toFixed(3),
  });
  if (side <= TORCH_MAX) {
    const p = JSON.parse(
      runPython("torch_resunet.py", [], JSON.stringify({ mode: "bench", spec: model.spec, batch: 1, lrPatch: 16, steps: 1, predictSide: side, tile: TILE, overlap: OVERLAP })),
    ) as { predict_ms: number; threads: number };
    console.log(`  pytorch-cpu ${side}^2: ${p.predict_ms.toFixed(0)} ms -> ratio ${(ms / p.predict_ms).toFixed(3)}`);
    rows.push({
      name: `scaling_tiny_${side}_torch`,
      ours_ms: +ms.toFixed(1),
      peer: "pytorch-cpu",
      peer_ms: +p.predict_ms.toFixed(1),
      ratio: +(ms / p.predict_ms).toFixed(3),
      backend,
      shape: `${side}x${side}x1 LR -> ${side * SCALE}x${side * SCALE}x1 HR, same tiles`,
      peer_threads: p.threads,
    });
  }
}
model.dispose();
await writeResults("scaling", rows);
