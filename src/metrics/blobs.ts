// Structure-level validation: detect blob-like structures (e.g. synaptic vesicles) at an expected
// size, match detections between a restoration and a reference (or between two annotators), and
// score them - the kind of count validation PSSR did against expert annotators.
import type { Plane } from "../image/image.js";
import { gaussianBlur } from "../image/filters.js";
import { invalidArgument } from "../errors.js";
import { assertFinite, assertNonEmpty } from "./validate.js";

export interface Blob {
  /** Column (sub-pixel), pixel centres at integers. */
  x: number;
  /** Row (sub-pixel). */
  y: number;
  /** Scale-normalised filter response at the blob (image units). */
  response: number;
}

export interface DetectBlobsOptions {
  /** Expected blob diameter in nm (needs pixelSizeNm); sigma = diameter / (2 sqrt 2). */
  diameterNm?: number;
  pixelSizeNm?: number | null;
  /** Expected diameter in pixels (alternative to diameterNm). */
  diameterPx?: number;
  /** Scale of the detector directly, in pixels (alternative to a diameter). */
  sigmaPx?: number;
  /** "log" (Laplacian of Gaussian, default) or "dog" (difference of Gaussians, ratio 1.6). */
  method?: "log" | "dog";
  /** Absolute threshold on the scale-normalised response. */
  threshold?: number;
  /** Threshold as a fraction of the largest response (used when `threshold` is absent; default 0.2). */
  thresholdRel?: number;
  /** "bright" blobs on a darker background (default) or "dark" ones. */
  polarity?: "bright" | "dark";
  /** Minimum distance between two detections in px; default the expected radius (>= 1). */
  minDistancePx?: number;
  /** Ignore maxima closer than this to the border (px); default ceil(sigma). */
  excludeBorderPx?: number;
}

export interface DetectBlobsResult {
  blobs: Blob[];
  sigmaPx: number;
  threshold: number;
  method: "log" | "dog";
}

function resolveSigma(o: DetectBlobsOptions): number {
  let sigma: number | undefined;
  if (o.sigmaPx !== undefined) sigma = o.sigmaPx;
  else if (o.diameterPx !== undefined) sigma = o.diameterPx / (2 * Math.SQRT2);
  else if (o.diameterNm !== undefined) {
    if (!o.pixelSizeNm || !(o.pixelSizeNm > 0)) throw invalidArgument("detectBlobs: diameterNm needs pixelSizeNm (the image states no pixel size); give diameterPx or sigmaPx instead");
    sigma = o.diameterNm / o.pixelSizeNm / (2 * Math.SQRT2);
  }
  if (sigma === undefined) throw invalidArgument("detectBlobs: give the expected size as diameterNm (with pixelSizeNm), diameterPx or sigmaPx");
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw invalidArgument(`detectBlobs: the detector sigma must be > 0 px, got ${sigma}`);
  return sigma;
}

/**
 * Scale-normalised blob response: LoG = -sigma^2 * Laplacian(G_sigma * img) (5-point Laplacian of
 * the scipy-style Gaussian blur, "nearest" edges), or DoG = (G_sigma - G_1.6sigma) * img / 0.6,
 * which approximates the same quantity. Positive at bright blobs of radius ~ sqrt(2) sigma.
 */
export function blobResponse(img: Plane, sigmaPx: number, method: "log" | "dog" = "log"): Plane {
  const { height: h, width: w } = img;
  const out = new Float32Array(h * w);
  if (method === "dog") {
    const k = 1.6;
    const g1 = gaussianBlur(img, sigmaPx, { mode: "nearest" }).data;
    const g2 = gaussianBlur(img, k * sigmaPx, { mode: "nearest" }).data;
    for (let i = 0; i < out.length; i++) out[i] = (g1[i] - g2[i]) / (k - 1);
  } else if (method === "log") {
    const g = gaussianBlur(img, sigmaPx, { mode: "nearest" }).data;
    const s2 = sigmaPx * sigmaPx;
    for (let y = 0; y < h; y++) {
      const yu = y > 0 ? y - 1 : 0;
      const yd = y < h - 1 ? y + 1 : h - 1;
      for (let x = 0; x < w; x++) {
        const xl = x > 0 ? x - 1 : 0;
        const xr = x < w - 1 ? x + 1 : w - 1;
        const c = g[y * w + x];
        const lap = g[yu * w + x] + g[yd * w + x] + g[y * w + xl] + g[y * w + xr] - 4 * c;
        out[y * w + x] = -s2 * lap;
      }
    }
  } else {
    throw invalidArgument(`unknown blob detector "${String(method)}"; valid: log, dog`);
  }
  return { data: out, height: h, width: w };
}

/**
 * Detects blobs of an expected size: the scale-normalised LoG (or DoG) response at
 * sigma = diameter / (2 sqrt 2), its local maxima above the threshold (3x3 neighbourhood),
 * then non-maximum suppression (strongest first) within minDistancePx, with sub-pixel positions
 * from a parabola through the response along x and y.
 */
export function detectBlobs(img: Plane, options: DetectBlobsOptions = {}): DetectBlobsResult {
  assertNonEmpty(img, "image");
  assertFinite(img, "image");
  const sigma = resolveSigma(options);
  const method = options.method ?? "log";
  const r = blobResponse(img, sigma, method);
  const resp = r.data;
  if ((options.polarity ?? "bright") === "dark") for (let i = 0; i < resp.length; i++) resp[i] = -resp[i];
  else if (options.polarity !== undefined && options.polarity !== "bright") throw invalidArgument(`polarity must be "bright" or "dark", got "${String(options.polarity)}"`);
  let maxResp = -Infinity;
  for (let i = 0; i < resp.length; i++) if (resp[i] > maxResp) maxResp = resp[i];
  let threshold: number;
  if (options.threshold !== undefined) threshold = options.threshold;
  else {
    const rel = options.thresholdRel ?? 0.2;
    if (!(rel >= 0 && rel <= 1)) throw invalidArgument(`thresholdRel must be in 0..1, got ${rel}`);
    threshold = rel * Math.max(maxResp, 0);
  }
  const { height: h, width: w } = img;
  const border = options.excludeBorderPx ?? Math.ceil(sigma);
  const minDist = options.minDistancePx ?? Math.max(1, Math.SQRT2 * sigma);
  const cand: number[] = [];
  for (let y = Math.max(border, 0); y < h - border; y++) {
    for (let x = Math.max(border, 0); x < w - border; x++) {
      const i = y * w + x;
      const v = resp[i];
      if (!(v > threshold)) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if ((dx === 0 && dy === 0) || xx < 0 || xx >= w) continue;
          if (resp[yy * w + xx] > v) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) cand.push(i);
    }
  }
  cand.sort((a, b) => resp[b] - resp[a] || a - b);
  const kept: Blob[] = [];
  const grid = new Map<number, Blob[]>();
  const cell = Math.max(minDist, 1);
  const key = (cx: number, cy: number) => cy * 1_000_003 + cx;
  for (const i of cand) {
    const y = Math.floor(i / w);
    const x = i - y * w;
    const gx = Math.floor(x / cell);
    const gy = Math.floor(y / cell);
    let clash = false;
    for (let dy = -1; dy <= 1 && !clash; dy++) {
      for (let dx = -1; dx <= 1 && !clash; dx++) {
        for (const b of grid.get(key(gx + dx, gy + dy)) ?? []) {
          if (Math.hypot(b.x - x, b.y - y) < minDist) {
            clash = true;
            break;
          }
        }
      }
    }
    if (clash) continue;
    const v = resp[i];
    const sub = (m: number, c: number, p: number) => {
      const d = m - 2 * c + p;
      return d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (m - p)) / d)) : 0;
    };
    const ox = x > 0 && x < w - 1 ? sub(resp[i - 1], v, resp[i + 1]) : 0;
    const oy = y > 0 && y < h - 1 ? sub(resp[i - w], v, resp[i + w]) : 0;
    const blob: Blob = { x: x + ox, y: y + oy, response: v };
    // Suppression uses the integer position; store that for the grid check.
    const gb: Blob = { x, y, response: v };
    const k = key(gx, gy);
    const list = grid.get(k);
    if (list) list.push(gb);
    else grid.set(k, [gb]);
    kept.push(blob);
  }
  return { blobs: kept, sigmaPx: sigma, threshold, method };
}

export type XY = { x: number; y: number } | readonly [number, number];

function px(p: XY): number {
  return Array.isArray(p) ? (p as readonly number[])[0] : (p as { x: number }).x;
}
function py(p: XY): number {
  return Array.isArray(p) ? (p as readonly number[])[1] : (p as { y: number }).y;
}

export interface Match {
  /** Index into the first list. */
  a: number;
  /** Index into the second list. */
  b: number;
  distancePx: number;
}

/**
 * One-to-one matching of two point sets within radiusPx: greedy by distance (all pairs closer
 * than the radius sorted by distance, shortest first, each point used at most once). Greedy is
 * not always the maximum matching that the Hungarian algorithm finds, but for points much
 * farther apart than the radius (vesicles vs a few-pixel radius) they coincide.
 */
export function matchDetections(a: readonly XY[], b: readonly XY[], options: { radiusPx: number }): Match[] {
  const radius = options.radiusPx;
  if (!(radius > 0)) throw invalidArgument(`radiusPx must be > 0, got ${radius}`);
  const cell = radius;
  const grid = new Map<string, number[]>();
  b.forEach((p, j) => {
    const k = `${Math.floor(px(p) / cell)},${Math.floor(py(p) / cell)}`;
    const l = grid.get(k);
    if (l) l.push(j);
    else grid.set(k, [j]);
  });
  const pairs: Match[] = [];
  a.forEach((p, i) => {
    const gx = Math.floor(px(p) / cell);
    const gy = Math.floor(py(p) / cell);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const j of grid.get(`${gx + dx},${gy + dy}`) ?? []) {
          const d = Math.hypot(px(p) - px(b[j]), py(p) - py(b[j]));
          if (d <= radius) pairs.push({ a: i, b: j, distancePx: d });
        }
      }
    }
  });
  pairs.sort((m, n) => m.distancePx - n.distancePx || m.a - n.a || m.b - n.b);
  const usedA = new Uint8Array(a.length);
  const usedB = new Uint8Array(b.length);
  const out: Match[] = [];
  for (const m of pairs) {
    if (usedA[m.a] || usedB[m.b]) continue;
    usedA[m.a] = 1;
    usedB[m.b] = 1;
    out.push(m);
  }
  return out;
}

export interface DetectionScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / detections (1 when nothing was detected). */
  precision: number;
  /** TP / reference points (1 when the reference is empty). */
  recall: number;
  /** 2 TP / (2 TP + FP + FN) (1 when both are empty). */
  f1: number;
  matches: Match[];
  meanDistancePx: number | null;
}

/** Precision, recall and F1 of `detected` against `reference` with one-to-one matching. */
export function detectionScores(detected: readonly XY[], reference: readonly XY[], options: { radiusPx: number }): DetectionScores {
  const matches = matchDetections(detected, reference, options);
  const tp = matches.length;
  const fp = detected.length - tp;
  const fn = reference.length - tp;
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: detected.length ? tp / detected.length : 1,
    recall: reference.length ? tp / reference.length : 1,
    f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 1,
    matches,
    meanDistancePx: tp ? matches.reduce((s, m) => s + m.distancePx, 0) / tp : null,
  };
}

export interface AgreementResult {
  /** Mean F1 of the candidate against each annotator. */
  candidateVsAnnotators: number;
  /** Mean pairwise F1 between annotators (the human-vs-human ceiling); null with one annotator. */
  annotatorVsAnnotator: number | null;
  /** F1 of the candidate against annotator i. */
  perAnnotator: number[];
  /** F1 between annotators i and j (symmetric, 1 on the diagonal). */
  pairwise: number[][];
}

/**
 * Model-vs-human against human-vs-human agreement, as PSSR compared vesicle counts: the
 * candidate's detections are scored against each annotation, and the annotations against each
 * other, all with the same one-to-one matching radius.
 */
export function annotatorAgreement(candidate: readonly XY[], annotations: readonly (readonly XY[])[], options: { radiusPx: number }): AgreementResult {
  if (annotations.length < 1) throw invalidArgument("annotatorAgreement needs at least one annotation");
  const perAnnotator = annotations.map((ann) => detectionScores(candidate, ann, options).f1);
  const n = annotations.length;
  const pairwise = Array.from({ length: n }, () => new Array<number>(n).fill(1));
  const off: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const f = detectionScores(annotations[i], annotations[j], options).f1;
      pairwise[i][j] = f;
      pairwise[j][i] = f;
      off.push(f);
    }
  }
  return {
    candidateVsAnnotators: perAnnotator.reduce((s, v) => s + v, 0) / n,
    annotatorVsAnnotator: off.length ? off.reduce((s, v) => s + v, 0) / off.length : null,
    perAnnotator,
    pairwise,
  };
}
