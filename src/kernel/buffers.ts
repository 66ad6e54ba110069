// Binary values inside widget state, as ipywidgets' remove_buffers / put_buffers do it
// (packages/base/src/utils.ts): each ArrayBuffer / typed array / DataView found in a nested
// state is taken out, sent as a raw frame, and its path recorded in `buffer_paths`
// (a dict key is deleted, a list slot becomes null).
import type { BufferLike } from "./wire.js";

export type BufferPath = (string | number)[];

export function isBinary(v: unknown): v is BufferLike {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** Splits binary values out of `state` without modifying it. */
export function removeBuffers(state: Record<string, unknown>): {
  state: Record<string, unknown>;
  bufferPaths: BufferPath[];
  buffers: BufferLike[];
} {
  const bufferPaths: BufferPath[] = [];
  const buffers: BufferLike[] = [];
  function walk(value: unknown, path: BufferPath): unknown {
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (isBinary(v)) {
          copy ??= value.slice();
          bufferPaths.push([...path, i]);
          buffers.push(v);
          copy[i] = null;
        } else if (v !== null && typeof v === "object") {
          const w = walk(v, [...path, i]);
          if (w !== v) {
            copy ??= value.slice();
            copy[i] = w;
          }
        }
      }
      return copy ?? value;
    }
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const obj = value as Record<string, unknown>;
      let copy: Record<string, unknown> | null = null;
      for (const key of Object.keys(obj)) {
        const v = obj[key];
        if (isBinary(v)) {
          copy ??= { ...obj };
          bufferPaths.push([...path, key]);
          buffers.push(v);
          delete copy[key];
        } else if (v !== null && typeof v === "object") {
          const w = walk(v, [...path, key]);
          if (w !== v) {
            copy ??= { ...obj };
            copy[key] = w;
          }
        }
      }
      return copy ?? value;
    }
    return value;
  }
  const out = walk(state, []) as Record<string, unknown>;
  return { state: out, bufferPaths, buffers };
}

/** Puts received buffers back at their paths (in place), as DataViews. */
export function putBuffers(state: Record<string, unknown>, bufferPaths: unknown, buffers: readonly DataView[]): void {
  if (!Array.isArray(bufferPaths)) return;
  const n = Math.min(bufferPaths.length, buffers.length);
  for (let i = 0; i < n; i++) {
    const path = bufferPaths[i];
    if (!Array.isArray(path) || path.length === 0) continue;
    let obj: any = state;
    for (let j = 0; j < path.length - 1; j++) {
      const key = path[j];
      if (obj[key] === undefined || obj[key] === null) obj[key] = typeof path[j + 1] === "number" ? [] : {};
      obj = obj[key];
    }
    obj[path[path.length - 1]] = buffers[i];
  }
}
