// Minimal .npy (format 1.0/2.0) reader for exchanging arrays with the Python references.
import { readFileSync } from "node:fs";

export interface NpyArray {
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
  shape: number[];
  dtype: string;
}

const CTORS: Record<string, { new (b: ArrayBuffer): NpyArray["data"] }> = {
  "|u1": Uint8Array,
  "|i1": Int8Array,
  "<u2": Uint16Array,
  "<i2": Int16Array,
  "<u4": Uint32Array,
  "<i4": Int32Array,
  "<f4": Float32Array,
  "<f8": Float64Array,
};

export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.toString("latin1", 1, 6) !== "NUMPY") throw new Error(`${path} is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString("latin1", start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "";
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (!descr || !CTORS[descr] || fortran) throw new Error(`${path}: unsupported npy header ${header}`);
  const body = buf.subarray(start + headerLen);
  const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  const names: Record<string, string> = {
    "|u1": "uint8", "|i1": "int8", "<u2": "uint16", "<i2": "int16", "<u4": "uint32", "<i4": "int32", "<f4": "float32", "<f8": "float64",
  };
  return { data: new CTORS[descr](copy as ArrayBuffer), shape, dtype: names[descr] };
}
