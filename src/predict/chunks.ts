// Restoring a chunked volume (OME-Zarr) a range of output chunks at a time, so that a scheduler
// (Slurm job arrays, Kubernetes Indexed Jobs) spreads the work over machines with no
// coordinator of ours: every worker computes its chunks from the input alone, and writes only
// those chunk files of the output array.
//
// Work unit: one output chunk = one block of `blockPx` x `blockPx` LR pixels of one plane
// (every leading index - t, c, z - is its own plane), i.e. blockPx*scale HR pixels square.
// Chunks are numbered in C order over (leading indices..., block row, block column). Each chunk
// is predicted from its LR block plus a `haloPx` margin of context on each side (clipped at the
// volume's edges), tiled as `predictNormalized` does, and the margin's prediction is dropped:
// what a chunk holds depends only on the input, the model and these options, never on which
// worker ran it or which other chunks it ran, so a split run equals a single run exactly.
//
// Normalisation (CSBDeep percentiles) must be the same for every chunk: `initChunkedOutput`
// computes the low/high percentiles once (from the whole input when it is up to 64 Mpx, else
// from evenly spaced planes up to that budget) and stores them in the output's .zattrs
// ("pssr"), where the workers read them. Creating the metadata is idempotent and deterministic,
// so a worker that finds no metadata may create it itself and concurrent workers agree.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PssrError, invalidArgument } from "../errors.js";
import { percentiles } from "../image/percentile.js";
import { applyPercentileRange } from "../image/normalize.js";
import type { RestorationModel } from "../model/model.js";
import { DEFAULT_NORMALIZATION, type NormalizationSpec } from "../model/card.js";
import { createOmeZarr, openOmeZarr, readPlaneRegion, writePlaneRegion, type OmeZarrImage, type ZarrCompressor } from "../zarr/ome.js";
import { predictNormalized } from "./predict.js";

export interface ChunkedOptions {
  /** Side of an output chunk in LR pixels (the chunk is blockPx*scale HR pixels). Default 512. */
  blockPx?: number;
  /** LR pixels of context read around each block. Default 32 (the tiler's default overlap / 2). */
  haloPx?: number;
  /** Tile side / overlap of the tiler inside a block (LR pixels). Defaults 256 / 64. */
  tilePx?: number;
  overlapPx?: number;
  normalization?: NormalizationSpec;
  compressor?: ZarrCompressor;
}

/** The output chunk grid of a prediction: LR blocks per plane, planes, and the total count. */
export interface ChunkGrid {
  /** Shape of the leading (non-YX) axes. */
  lead: number[];
  height: number;
  width: number;
  blockPx: number;
  rows: number;
  cols: number;
  count: number;
}

export function chunkGrid(lrShape: number[], blockPx: number): ChunkGrid {
  if (lrShape.length < 2) throw invalidArgument("a chunked volume needs at least 2 axes (y, x)");
  const lead = lrShape.slice(0, -2);
  const height = lrShape[lrShape.length - 2];
  const width = lrShape[lrShape.length - 1];
  const rows = Math.ceil(height / blockPx);
  const cols = Math.ceil(width / blockPx);
  const count = lead.reduce((a, b) => a * b, 1) * rows * cols;
  return { lead, height, width, blockPx, rows, cols, count };
}

/** Chunk `index` of the grid: its leading indices and LR block [y0, y1) x [x0, x1). */
export function chunkAt(grid: ChunkGrid, index: number): { lead: number[]; row: number; col: number; y0: number; y1: number; x0: number; x1: number } {
  if (!Number.isInteger(index) || index < 0 || index >= grid.count) throw invalidArgument(`chunk ${index} is outside 0..${grid.count - 1}`);
  let rest = index;
  const col = rest % grid.cols;
  rest = Math.floor(rest / grid.cols);
  const row = rest % grid.rows;
  rest = Math.floor(rest / grid.rows);
  const lead = new Array<number>(grid.lead.length);
  for (let a = grid.lead.length - 1; a >= 0; a--) {
    lead[a] = rest % grid.lead[a];
    rest = Math.floor(rest / grid.lead[a]);
  }
  const b = grid.blockPx;
  return { lead, row, col, y0: row * b, y1: Math.min(grid.height, (row + 1) * b), x0: col * b, x1: Math.min(grid.width, (col + 1) * b) };
}

/**
 * The chunk range [start, end) of worker `index` of `count`: contiguous, sizes differing by at
 * most one, covering every chunk once (as numpy.array_split).
 */
export function workerRange(total: number, index: number, count: number): [number, number] {
  if (!Number.isInteger(count) || count < 1) throw invalidArgument(`--chunk-count must be a positive integer, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw invalidArgument(`--chunk-index must be in 0..${count - 1}, got ${index}`);
  return [Math.floor((index * total) / count), Math.floor(((index + 1) * total) / count)];
}

/** Parses "START:END" (end exclusive; either side may be empty) against `total` chunks. */
export function parseChunkRange(text: string, total: number): [number, number] {
  const m = /^(\d*):(\d*)$/.exec(text.trim());
  if (!m) throw invalidArgument(`--chunks must be START:END (end exclusive), got "${text}"`);
  const start = m[1] === "" ? 0 : Number(m[1]);
  const end = m[2] === "" ? total : Math.min(total, Number(m[2]));
  if (start >= total && total > 0) throw invalidArgument(`--chunks ${text}: the output has only ${total} chunks (0..${total - 1})`);
  if (start > end) throw invalidArgument(`--chunks ${text}: start is after end`);
  return [start, end];
}

const PERCENTILE_BUDGET_PX = 64 * 2 ** 20;

/** Low/high percentiles of the input, from the whole volume or evenly spaced planes. */
async function inputPercentiles(input: OmeZarrImage, norm: NormalizationSpec): Promise<[number, number]> {
  const grid = chunkGrid(input.shape, Math.max(input.shape[input.shape.length - 2], input.shape[input.shape.length - 1]));
  const planePx = grid.height * grid.width;
  const nPlanes = grid.lead.reduce((a, b) => a * b, 1);
  const take = Math.max(1, Math.min(nPlanes, Math.floor(PERCENTILE_BUDGET_PX / planePx)));
  const values = new Float32Array(take * planePx);
  for (let k = 0; k < take; k++) {
    const p = take === nPlanes ? k : Math.floor(((k + 0.5) * nPlanes) / take);
    const { lead } = chunkAt(grid, p);
    values.set(await readPlaneRegion(input, lead, 0, grid.height, 0, grid.width), k * planePx);
  }
  const [low, high] = percentiles(values, [norm.pmin, norm.pmax]);
  return [low, high];
}

export interface ChunkedOutputInfo {
  grid: ChunkGrid;
  low: number;
  high: number;
  output: OmeZarrImage;
}

interface PssrAttrs {
  normalization: NormalizationSpec & { low: number; high: number };
  model: { arch: string; preset: string; scale: number };
  blockPx: number;
  haloPx: number;
  tilePx: number;
  overlapPx: number;
  chunkCount: number;
}

function resolved(options: ChunkedOptions) {
  return {
    blockPx: options.blockPx ?? 512,
    haloPx: options.haloPx ?? 32,
    tilePx: options.tilePx ?? 256,
    overlapPx: options.overlapPx ?? 64,
    normalization: options.normalization ?? DEFAULT_NORMALIZATION,
    compressor: options.compressor ?? "zlib",
  };
}

/**
 * Creates (or checks) the output OME-Zarr for restoring `inputPath` with `model`: shape
 * [lead..., h*scale, w*scale], float32, chunks [1..., blockPx*scale, blockPx*scale], level-0
 * scale divided by the model's scale on y and x, and the normalisation in .zattrs "pssr".
 * When the output's metadata already exists its normalisation is reused (no input scan).
 */
export async function initChunkedOutput(model: RestorationModel, inputPath: string, outputPath: string, options: ChunkedOptions = {}): Promise<ChunkedOutputInfo> {
  const o = resolved(options);
  if (model.spec.inChannels !== 1) throw invalidArgument(`chunked prediction restores plane by plane: this model takes ${model.spec.inChannels} frames; use a single-frame model`);
  if (!Number.isInteger(o.blockPx) || o.blockPx < 8) throw invalidArgument(`--block must be an integer >= 8, got ${o.blockPx}`);
  if (!Number.isInteger(o.haloPx) || o.haloPx < 0) throw invalidArgument(`--halo must be a non-negative integer, got ${o.haloPx}`);
  const input = await openOmeZarr(inputPath);
  const s = model.spec.scale;
  const grid = chunkGrid(input.shape, o.blockPx);
  let low: number;
  let high: number;
  const attrsPath = join(outputPath, ".zattrs");
  if (existsSync(attrsPath)) {
    const prev = (JSON.parse(readFileSync(attrsPath, "utf8")) as { pssr?: PssrAttrs }).pssr;
    if (!prev) throw new PssrError("shape-mismatch", "exists but was not written by pssr predict; choose another output", { file: outputPath });
    ({ low, high } = prev.normalization);
  } else {
    [low, high] = await inputPercentiles(input, o.normalization);
  }
  const pssr: PssrAttrs = {
    normalization: { ...o.normalization, low, high },
    model: { arch: model.spec.arch, preset: model.spec.preset, scale: s },
    blockPx: o.blockPx,
    haloPx: o.haloPx,
    tilePx: o.tilePx,
    overlapPx: o.overlapPx,
    chunkCount: grid.count,
  };
  const n = input.shape.length;
  createOmeZarr(outputPath, {
    shape: input.shape.map((v, i) => (i >= n - 2 ? v * s : v)),
    chunks: input.shape.map((_, i) => (i >= n - 2 ? o.blockPx * s : 1)),
    axes: input.axes,
    scale: input.scale.map((v, i) => (i >= n - 2 ? v / s : v)),
    dtype: "float32",
    compressor: o.compressor,
    name: "pssr restoration",
    attributes: { pssr },
  });
  return { grid, low, high, output: await openOmeZarr(outputPath) };
}

/**
 * Restores output chunks [start, end) of `inputPath` into `outputPath` (creating its metadata
 * first if absent). Returns the number of chunks written.
 */
export async function predictChunks(
  model: RestorationModel,
  inputPath: string,
  outputPath: string,
  range: { start: number; end: number } | { index: number; count: number } | null,
  options: ChunkedOptions & { onChunk?: (chunk: number, done: number, total: number) => void } = {},
): Promise<{ written: number; start: number; end: number; total: number }> {
  const o = resolved(options);
  const info = await initChunkedOutput(model, inputPath, outputPath, options);
  const input = await openOmeZarr(inputPath);
  const total = info.grid.count;
  const [start, end] = range === null ? [0, total] : "index" in range ? workerRange(total, range.index, range.count) : [range.start, Math.min(range.end, total)];
  const s = model.spec.scale;
  const { height: h, width: w } = info.grid;
  const { low, high } = info;
  for (let c = start; c < end; c++) {
    const ch = chunkAt(info.grid, c);
    const ry0 = Math.max(0, ch.y0 - o.haloPx);
    const ry1 = Math.min(h, ch.y1 + o.haloPx);
    const rx0 = Math.max(0, ch.x0 - o.haloPx);
    const rx1 = Math.min(w, ch.x1 + o.haloPx);
    const region = await readPlaneRegion(input, ch.lead, ry0, ry1, rx0, rx1);
    applyPercentileRange(region, low, high, undefined, region);
    const r = predictNormalized(model, { data: region, height: ry1 - ry0, width: rx1 - rx0, frames: 1 }, { tilePx: o.tilePx, overlapPx: o.overlapPx });
    const rw = (rx1 - rx0) * s;
    const oh = (ch.y1 - ch.y0) * s;
    const ow = (ch.x1 - ch.x0) * s;
    const out = new Float32Array(oh * ow);
    const oy = (ch.y0 - ry0) * s;
    const ox = (ch.x0 - rx0) * s;
    for (let y = 0; y < oh; y++) {
      const src = (oy + y) * rw + ox;
      for (let x = 0; x < ow; x++) out[y * ow + x] = r.mean.data[src + x] * (high - low) + low;
    }
    await writePlaneRegion(info.output, ch.lead, ch.y0 * s, ch.x0 * s, out, oh, ow);
    options.onChunk?.(c, c - start + 1, end - start);
  }
  return { written: Math.max(0, end - start), start, end, total };
}
