// Cropping a plane to a rectangle: the one copy loop behind training's regions and patches'
// frames and the crappifier's centred axis crops.
import type { Plane } from "./image.js";
import { PssrError } from "../errors.js";

/**
 * Rows [r0, r1) and columns [c0, c1) of a plane as a new plane. The whole plane comes back as
 * itself (no copy), so callers that only sometimes crop pay nothing when they do not.
 */
export function cropPlane(plane: Plane, rows: readonly [number, number], cols: readonly [number, number]): Plane {
  const [r0, r1] = rows;
  const [c0, c1] = cols;
  const { height: h, width: w, data } = plane;
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && Number.isInteger(c0) && Number.isInteger(c1) && 0 <= r0 && r0 < r1 && r1 <= h && 0 <= c0 && c0 < c1 && c1 <= w)) {
    throw new PssrError("invalid-argument", `crop rows ${r0}..${r1}, columns ${c0}..${c1} is not a non-empty region of the ${h}x${w} plane`);
  }
  if (r0 === 0 && r1 === h && c0 === 0 && c1 === w) return plane;
  const cw = c1 - c0;
  // Whole rows are one contiguous block.
  if (cw === w) return { data: data.slice(r0 * w, r1 * w), height: r1 - r0, width: w };
  const out = new Float32Array((r1 - r0) * cw);
  for (let y = r0; y < r1; y++) out.set(data.subarray(y * w + c0, y * w + c1), (y - r0) * cw);
  return { data: out, height: r1 - r0, width: cw };
}
