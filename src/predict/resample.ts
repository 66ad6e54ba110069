// Pixel-size matching before restoration: a model learnt structures at its LR pixel size, so an
// input sampled finer or coarser is first resampled onto that grid (as PSSR resampled another
// lab's 10 nm FIB-SEM to its model's 8 nm).

import { invalidArgument } from "../errors.js";
import { getPlane, lengthToNm, planeCount, type Image } from "../image/image.js";
import { resize, rescale, roundHalfEven } from "../image/resize.js";

/** Pixel sizes within this relative difference are taken as equal (no resampling). */
export const PIXEL_SIZE_TOLERANCE = 0.02;

export interface PixelSizeMatch {
  /** The image to restore: resampled, relabelled, or the input itself. */
  image: Image;
  resampled: boolean;
  /** A line for the user (what was done, or why not), or null when nothing needs saying. */
  message: string | null;
}

/** Checks a user-given pixel size in nm: a positive finite number, one line otherwise. */
export function checkPixelSizeNm(value: number, option = "--pixel-size"): number {
  if (!(Number.isFinite(value) && value > 0)) throw invalidArgument(`${option} must be a positive pixel size in nm, got ${String(value)}`);
  return value;
}

/**
 * Resamples `img` so that its pixels are `modelLrPixelSizeNm` wide (both must be known and
 * differ by more than 2 %). Enlarging (input pixels coarser than the model's): cubic spline,
 * `skimage.transform.rescale(order=3, mode="reflect", anti_aliasing=False)`, which keeps edges
 * sharper than linear and adds no blur. Shrinking (input finer): area averaging, torch
 * `interpolate(mode="area")`, which is what a coarser point scan records (each pixel integrates
 * its area) and cannot alias. The output's pixel size is the true new spacing, in*old/out per axis.
 * `inputPixelSizeNm` sets (or overrides) the input's pixel size first; `resample: false` only does that.
 */
export function matchPixelSize(img: Image, modelLrPixelSizeNm: number | null | undefined, opts: { inputPixelSizeNm?: number | null; resample?: boolean } = {}): PixelSizeMatch {
  let image = img;
  if (opts.inputPixelSizeNm != null) {
    const nm = checkPixelSizeNm(opts.inputPixelSizeNm);
    image = { ...image, pixelSize: { value: nm, unit: "nm" }, pixelSizeY: null };
  }
  if (opts.resample === false || !modelLrPixelSizeNm || !image.pixelSize) return { image, resampled: false, message: null };
  const pxX = lengthToNm(image.pixelSize);
  const pxY = image.pixelSizeY ? lengthToNm(image.pixelSizeY) : pxX;
  const ratioX = pxX / modelLrPixelSizeNm;
  const ratioY = pxY / modelLrPixelSizeNm;
  if (Math.abs(ratioX - 1) <= PIXEL_SIZE_TOLERANCE && Math.abs(ratioY - 1) <= PIXEL_SIZE_TOLERANCE) return { image, resampled: false, message: null };
  if (Math.abs(pxY / pxX - 1) > PIXEL_SIZE_TOLERANCE) {
    // One factor for both axes keeps the reference's geometry; anisotropic pixels are left alone.
    return { image, resampled: false, message: `the input's pixels are not square (Y ${pxY.toPrecision(3)} nm, X ${pxX.toPrecision(3)} nm): not resampled to the model's ${modelLrPixelSizeNm.toPrecision(3)} nm` };
  }
  const factor = ratioX;
  const n = planeCount(image);
  const h = image.shape[image.shape.length - 2];
  const w = image.shape[image.shape.length - 1];
  const oh = Math.max(1, roundHalfEven(h * factor));
  const ow = Math.max(1, roundHalfEven(w * factor));
  const out = new Float32Array(n * oh * ow);
  for (let i = 0; i < n; i++) {
    const p = getPlane(image, i);
    const r = factor > 1 ? rescale(p, factor, { order: 3, mode: "mirror", antiAliasing: false }) : resize(p, oh, ow, { method: "area" });
    out.set(r.data, i * oh * ow);
  }
  const newX = (w * pxX) / ow;
  const newY = (h * pxY) / oh;
  const resampled: Image = {
    ...image,
    data: out,
    shape: [...image.shape.slice(0, -2), oh, ow],
    pixelSize: { value: newX, unit: "nm" },
    pixelSizeY: Math.abs(newY / newX - 1) > 1e-9 ? { value: newY, unit: "nm" } : null,
    meta: { ...(image.meta ?? {}), resampled: { fromNm: pxX, toNm: newX, method: factor > 1 ? "cubic-spline" : "area" } },
  };
  const how = factor > 1 ? "cubic spline (enlarging)" : "area average (shrinking)";
  return {
    image: resampled,
    resampled: true,
    message: `resampled the input from ${pxX.toPrecision(4)} nm to the model's ${modelLrPixelSizeNm.toPrecision(4)} nm pixels (${h}x${w} -> ${oh}x${ow} px, ${how}); --no-resample keeps its grid`,
  };
}
