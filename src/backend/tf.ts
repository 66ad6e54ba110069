// The tfjs namespace the rest of pssr-lab computes with.
//
// Our own @tensorflow/tfjs-core is the default. When tfjs-node(-gpu) is chosen, its package
// may bring a different copy of tfjs-core; tensors from one copy are not `instanceof` the
// other's classes, so every room that builds tensors asks for `getTf()` instead of importing
// tfjs-core itself (types may still come from "@tensorflow/tfjs-core").
import * as core from "@tensorflow/tfjs-core";

export type Tf = typeof core;

let current: Tf = core;

/** The tfjs namespace bound to the selected backend (tfjs-core until a backend is selected). */
export function getTf(): Tf {
  return current;
}

/** Used by selectBackend only. */
export function setTf(tf: Tf): void {
  current = tf;
}

/** Our bundled tfjs-core, whatever backend is active. */
export const bundledTf: Tf = core;
