// Input checks shared by the metrics: every complaint names the image and what is wrong.
import type { Plane } from "../image/image.js";
import { PssrError } from "../errors.js";

/** Throws a shape-mismatch PssrError naming both images and their shapes. */
export function assertSameShape(a: Plane, b: Plane, nameA = "first image", nameB = "second image"): void {
  if (a.height !== b.height || a.width !== b.width) {
    throw new PssrError(
      "shape-mismatch",
      `${nameA} is ${a.height}x${a.width} but ${nameB} is ${b.height}x${b.width} (height x width); they must be the same shape`,
    );
  }
  if (a.data.length !== a.height * a.width) throw new PssrError("invalid-argument", `${nameA}: data holds ${a.data.length} values, not ${a.height}x${a.width}`);
  if (b.data.length !== b.height * b.width) throw new PssrError("invalid-argument", `${nameB}: data holds ${b.data.length} values, not ${b.height}x${b.width}`);
}

/** Throws a non-finite-pixels PssrError at the first NaN/Infinity, giving its position. */
export function assertFinite(p: Plane, name = "image"): void {
  const d = p.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const y = Math.floor(i / p.width);
      const x = i - y * p.width;
      throw new PssrError("non-finite-pixels", `${name} has a non-finite pixel (${d[i]}) at y=${y}, x=${x}`);
    }
  }
}

/** Throws if the plane is empty. */
export function assertNonEmpty(p: Plane, name = "image"): void {
  if (p.height <= 0 || p.width <= 0 || p.data.length === 0) throw new PssrError("empty-image", `${name} is empty (${p.height}x${p.width})`);
}

/** True when every pixel has the same value. */
export function isConstant(p: Plane): boolean {
  const d = p.data;
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return false;
  return true;
}

/** Throws when the plane is constant, saying that `what` is undefined for it. */
export function assertNotConstant(p: Plane, name: string, what: string): void {
  if (isConstant(p)) throw new PssrError("invalid-argument", `${name} is constant (every pixel ${p.data[0]}), so ${what} is undefined`);
}
