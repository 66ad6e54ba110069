// NumPy .npy files (format 1.0, C order, little-endian): the BioImage Model Zoo's test tensors.
import { PssrError } from "../errors.js";

export interface NpyTensor {
  data: Float32Array;
  shape: number[];
}

/** Encodes float32 data of `shape` as a version 1.0 .npy file. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new PssrError("shape-mismatch", `npy: shape [${shape}] holds ${n} values, got ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The data starts on a 64-byte boundary (magic 6 + version 2 + length 2 + header + '\n').
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + data.length * 4);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const dv = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

const DTYPES: Record<string, { bytes: number; get: (dv: DataView, o: number) => number }> = {
  "<f4": { bytes: 4, get: (dv, o) => dv.getFloat32(o, true) },
  "<f8": { bytes: 8, get: (dv, o) => dv.getFloat64(o, true) },
  "|u1": { bytes: 1, get: (dv, o) => dv.getUint8(o) },
  "|i1": { bytes: 1, get: (dv, o) => dv.getInt8(o) },
  "<u2": { bytes: 2, get: (dv, o) => dv.getUint16(o, true) },
  "<i2": { bytes: 2, get: (dv, o) => dv.getInt16(o, true) },
  "<u4": { bytes: 4, get: (dv, o) => dv.getUint32(o, true) },
  "<i4": { bytes: 4, get: (dv, o) => dv.getInt32(o, true) },
};

/** Decodes a C-order little-endian numeric .npy file (format 1-3) into float32. */
export function decodeNpy(bytes: Uint8Array, what = "npy"): NpyTensor {
  const text = (a: number, b: number) => new TextDecoder("latin1").decode(bytes.subarray(a, b));
  if (bytes.length < 10 || bytes[0] !== 0x93 || text(1, 6) !== "NUMPY") throw new PssrError("corrupt-file", `${what} is not a .npy file`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = text(start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? "";
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new PssrError("unsupported-format", `${what}: Fortran-order .npy files are not supported`);
  const type = DTYPES[descr];
  if (!type) throw new PssrError("unsupported-format", `${what}: .npy dtype ${descr} is not supported`);
  const n = shape.reduce((a, b) => a * b, 1);
  const body = start + headerLen;
  if (bytes.length < body + n * type.bytes) throw new PssrError("corrupt-file", `${what}: .npy data is shorter than its shape [${shape}]`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = type.get(dv, body + i * type.bytes);
  return { data, shape };
}
