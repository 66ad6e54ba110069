// What every kernel-side pssr widget shares: the front-end classes it names, planes as binary
// state ({data: Float32Array, height, width}: the data travels as a raw buffer, never base64),
// and pyramid levels (block means) so a large image is sent at the resolution the view needs.
import type { Image, Plane } from "../image/image.js";
import { getPlane, lengthToNm } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { percentiles } from "../image/percentile.js";
import { blockMean } from "../image/block-mean.js";
import { grayPng } from "../io/write.js";
import type { WidgetModelSpec } from "../kernel/widget.js";
import { widgetClassNames, type PlaneState, type WidgetName } from "./protocol.js";

export type { PlaneState } from "./protocol.js";

export function widgetSpec(name: WidgetName): WidgetModelSpec {
  const c = widgetClassNames(name);
  return { modelName: c.modelName, modelModule: c.module, modelModuleVersion: c.moduleVersion, viewName: c.viewName };
}

export function isImage(x: unknown): x is Image {
  return x !== null && typeof x === "object" && Array.isArray((x as Image).shape);
}

/** The first plane of an Image (or the Plane itself), as float32. */
export function asPlane(x: Plane | Image, what = "the image"): Plane {
  if (isImage(x)) return getPlane(x, 0);
  if (!x || !(x.data instanceof Float32Array) || x.data.length !== x.height * x.width) {
    throw invalidArgument(`${what} must be an Image or a Plane {data: Float32Array, height, width}`);
  }
  return x;
}

export function planeState(p: Plane): PlaneState {
  return { data: p.data, height: p.height, width: p.width };
}

/** Pixel size in nm of an Image when it states one, else null. */
export function pixelSizeNmOf(x: Plane | Image): number | null {
  return isImage(x) && x.pixelSize ? lengthToNm(x.pixelSize) : null;
}

/**
 * The pyramid level `factor` (a power of two) of rows r0..r1, columns c0..c1 of a plane:
 * the mean of each factor x factor block (partial blocks at the edges averaged over the
 * pixels they hold). factor 1 is a plain crop.
 */
export function pyramidCrop(p: Plane, factor: number, r0 = 0, r1 = p.height, c0 = 0, c1 = p.width): Plane {
  // A partial last block is averaged over the pixels it holds, so the level covers the whole region.
  return blockMean(p, factor, { edges: "partial", rows: [r0, r1], cols: [c0, c1] });
}

/** The smallest power-of-two factor that brings max(height, width) to at most maxPx. */
export function levelFactor(height: number, width: number, maxPx: number): number {
  let f = 1;
  while (Math.max(height, width) / f > maxPx) f *= 2;
  return f;
}

/**
 * What a saved notebook shows where the live view cannot be drawn (GitHub, nbviewer, nbconvert,
 * or JupyterLab after a reopen without saved widget state): the widget-view entry plus an
 * image/png picture of the widget's images side by side and a text/plain line saying it is a
 * static copy and how to get the interactive view back. Synchronous on purpose: a display sent
 * later than the cell's reply is dropped by the front end (and a kernel waits only for the
 * async displays of its own copy of this package).
 */
export function withStaticFallback(view: Record<string, unknown>, what: string, planes: readonly Plane[]): Record<string, unknown> {
  const text = `${what}. Static copy: the interactive view needs a running kernel (re-run the cell) or widget state saved with the notebook (JupyterLab: Settings > Save Widget State Automatically).`;
  if (planes.length === 0) return { ...view, "text/plain": text };
  const p = sideBySide(planes);
  const gray = new Uint8Array(p.data.length);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.floor(p.data[i] * 255 + 0.5);
  return { ...view, "image/png": grayPng(gray, p.width, p.height).toString("base64"), "text/plain": text };
}


/** Planes each auto-contrasted to [0, 1] (0.35/99.65 percentiles) and reduced to at most 384 px, side by side on white. */
export function sideBySide(planes: readonly Plane[], maxPx = 384, gapPx = 8): Plane {
  const small = planes.map((p) => {
    const f = levelFactor(p.height, p.width, maxPx);
    const q = f > 1 ? pyramidCrop(p, f) : p;
    const [lo, hi] = percentiles(q.data, [0.35, 99.65]);
    const out = new Float32Array(q.data.length);
    for (let i = 0; i < out.length; i++) out[i] = hi > lo ? Math.min(1, Math.max(0, (q.data[i] - lo) / (hi - lo))) : 0;
    return { data: out, height: q.height, width: q.width };
  });
  const height = Math.max(...small.map((p) => p.height));
  const width = small.reduce((s, p) => s + p.width, 0) + gapPx * (small.length - 1);
  const data = new Float32Array(height * width).fill(1);
  let x0 = 0;
  for (const p of small) {
    for (let y = 0; y < p.height; y++) data.set(p.data.subarray(y * p.width, (y + 1) * p.width), y * width + x0);
    x0 += p.width + gapPx;
  }
  // a black pixel so the whole [0, 1] range is used whatever the panels hold
  data[data.length - 1] = 0;
  return { data, height, width };
}
