// Picking one index along leading axes (a time point, a channel, a Z plane) out of a stack or
// hyperstack: the result drops those axes and keeps the calibration and the source dtype.
import { invalidArgument } from "../errors.js";
import type { Image } from "./image.js";

/** Index per leading axis letter, e.g. {T: 3, C: 0}. */
export type AxisSelection = Partial<Record<"T" | "C" | "Z", number>>;

/** `img` with each selected axis reduced to the chosen index and removed. */
export function selectIndices(img: Image, selection: AxisSelection, what = "the image"): Image {
  const picks = Object.entries(selection).filter(([, i]) => i !== undefined) as [string, number][];
  if (picks.length === 0) return img;
  const keep: number[] = [];
  const fixed = new Map<number, number>();
  for (const [axis, index] of picks) {
    const d = img.axes.indexOf(axis);
    if (d < 0 || d >= img.axes.length - 2) {
      throw invalidArgument(`${what} has no ${axis} axis to pick ${axis.toLowerCase()}=${index} from (axes ${img.axes}, shape ${JSON.stringify(img.shape)})`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= img.shape[d]) {
      throw invalidArgument(`${axis.toLowerCase()}=${index} is outside ${what}'s ${axis} axis 0..${img.shape[d] - 1}`);
    }
    fixed.set(d, index);
  }
  for (let d = 0; d < img.shape.length; d++) if (!fixed.has(d)) keep.push(d);
  const shape = keep.map((d) => img.shape[d]);
  const axes = keep.map((d) => img.axes[d]).join("");
  // C-order strides of the source; walk the kept leading axes, copy whole YX planes.
  const strides = new Array<number>(img.shape.length);
  strides[img.shape.length - 1] = 1;
  for (let d = img.shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1] * img.shape[d + 1];
  const planeSize = img.shape[img.shape.length - 1] * img.shape[img.shape.length - 2];
  const leading = keep.filter((d) => d < img.shape.length - 2);
  const count = leading.reduce((n, d) => n * img.shape[d], 1);
  const Ctor = img.data.constructor as new (n: number) => Image["data"];
  const data = new Ctor(count * planeSize);
  const idx = new Array<number>(leading.length).fill(0);
  for (let p = 0; p < count; p++) {
    let off = 0;
    for (const [d, i] of fixed) off += i * strides[d];
    leading.forEach((d, k) => (off += idx[k] * strides[d]));
    (data as Float32Array).set((img.data as Float32Array).subarray(off, off + planeSize), p * planeSize);
    for (let k = leading.length - 1; k >= 0; k--) {
      if (++idx[k] < img.shape[leading[k]]) break;
      idx[k] = 0;
    }
  }
  return { ...img, data, shape, axes };
}
