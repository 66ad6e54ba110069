// The sample types' value ranges and typed-array allocation: the one table every room uses.
import type { DType, PixelArray } from "./image.js";

/** [lowest, highest] value of each integer sample type (float types have none). */
export const DTYPE_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

/** An empty typed array for `dtype` (float16 is held as float32). */
export function allocatePixels(dtype: DType, length: number): PixelArray {
  switch (dtype) {
    case "uint8":
      return new Uint8Array(length);
    case "int8":
      return new Int8Array(length);
    case "uint16":
      return new Uint16Array(length);
    case "int16":
      return new Int16Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "int32":
      return new Int32Array(length);
    case "float16":
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
  }
}

/**
 * Writes float values into `dst` (from `offset`) as `dtype` holds them: integer types are rounded
 * (or truncated) and clipped to the type's range, never wrapped; float types are copied.
 */
export function castInto(dst: PixelArray, offset: number, src: ArrayLike<number>, dtype: DType, rounding: "round" | "truncate" = "round"): void {
  const range = DTYPE_RANGE[dtype];
  if (!range) {
    dst.set(src, offset);
    return;
  }
  const [lo, hi] = range;
  for (let i = 0; i < src.length; i++) {
    let v = rounding === "truncate" ? Math.trunc(src[i]) : Math.round(src[i]);
    v = v < lo ? lo : v > hi ? hi : v;
    dst[offset + i] = v;
  }
}

/** `src` converted to a new array of `dtype` (rounded and clipped as castInto does). */
export function castPixels(src: ArrayLike<number>, dtype: DType, rounding: "round" | "truncate" = "round"): PixelArray {
  const out = allocatePixels(dtype, src.length);
  castInto(out, 0, src, dtype, rounding);
  return out;
}
