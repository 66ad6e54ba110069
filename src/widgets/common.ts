// What every kernel-side pssr widget shares: the front-end module it names, planes as binary
// state ({data: Float32Array, height, width}: the data travels as a raw buffer, never base64),
// and pyramid levels (block means) so a large image is sent at the resolution the view needs.
import type { Image, Plane } from "../image/image.js";
import { getPlane, lengthToNm } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import type { WidgetModelSpec } from "../kernel/widget.js";

/** The front-end module (widgets/src/version.ts). */
export const WIDGET_MODULE = "pssr-lab-widgets";
export const WIDGET_MODULE_VERSION = "0.1.0";

export function widgetSpec(name: string): WidgetModelSpec {
  return { modelName: `${name}Model`, modelModule: WIDGET_MODULE, modelModuleVersion: WIDGET_MODULE_VERSION, viewName: `${name}View` };
}

/** A plane as widget state: float32 samples (a binary buffer) plus its shape. */
export interface PlaneState {
  data: Float32Array;
  height: number;
  width: number;
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
  const h = Math.ceil((r1 - r0) / factor);
  const w = Math.ceil((c1 - c0) / factor);
  const acc = new Float64Array(h * w);
  const cnt = new Uint32Array(h * w);
  for (let y = r0; y < r1; y++) {
    const row = (((y - r0) / factor) | 0) * w;
    const off = y * p.width;
    for (let x = c0; x < c1; x++) {
      const k = row + (((x - c0) / factor) | 0);
      acc[k] += p.data[off + x];
      cnt[k]++;
    }
  }
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) out[i] = acc[i] / cnt[i];
  return { data: out, height: h, width: w };
}

/** The smallest power-of-two factor that brings max(height, width) to at most maxPx. */
export function levelFactor(height: number, width: number, maxPx: number): number {
  let f = 1;
  while (Math.max(height, width) / f > maxPx) f *= 2;
  return f;
}
