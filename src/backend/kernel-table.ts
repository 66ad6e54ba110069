// The one table of kernels pssr-lab puts over tfjs's own, in the order they stack. For each
// kernel name the rows apply top to bottom and each row wraps what is registered before it
// (tfjs's own kernel first), so a call reaches the last row first and falls back downwards:
//   ours (native/conv.c, conv-wasm.ts)  ->  composed (built from tfjs's kernels)  ->  tfjs's own.
// A row that `replaces` ignores what is below it (tfjs's kernel is missing, wrong or slow).
//
// Rows kind:
//   "fix"      tfjs's kernel is wrong (checked against PyTorch in test/backend); ours replaces it
//   "speed"    tfjs's kernel is correct but slow (or missing); a faster one in TypeScript
//   "ours"     our WebAssembly convolution module (src/backend/conv-wasm.ts)
import type { KernelFunc } from "@tensorflow/tfjs-core";
import { registerConvModule } from "./conv-wasm.js";
import { backpropFilterComposed, backpropInputComposed, fewOutputsConv } from "./kernels/conv-composed.js";
import { depthToSpaceCopy, SPACE_TO_DEPTH_KERNEL } from "./kernels/depth-to-space.js";
import { maxPoolGradLoop } from "./kernels/max-pool-grad.js";
import { perBatchItem } from "./kernels/per-batch-item.js";
import { sumLeadingAxes } from "./kernels/sum-leading-axes.js";
import type { Tf } from "./tf.js";

export interface KernelRow {
  kernel: string;
  backend: "wasm" | "cpu";
  kind: "fix" | "speed";
  /** True when the row does not call the kernel below it. */
  replaces: boolean;
  make(tf: Tf, below: KernelFunc | undefined): KernelFunc;
}

/** Every TypeScript kernel we install, bottom (closest to tfjs) first; our module goes on top. */
export const KERNEL_TABLE: readonly KernelRow[] = [
  { kernel: "Conv2DBackpropFilter", backend: "wasm", kind: "speed", replaces: true, make: (tf) => backpropFilterComposed(tf, "wasm") },
  { kernel: "Conv2DBackpropInput", backend: "wasm", kind: "speed", replaces: true, make: (tf) => backpropInputComposed(tf, "wasm") },
  { kernel: "DepthToSpace", backend: "wasm", kind: "speed", replaces: true, make: () => depthToSpaceCopy(false) },
  { kernel: SPACE_TO_DEPTH_KERNEL, backend: "wasm", kind: "speed", replaces: true, make: () => depthToSpaceCopy(true) },
  { kernel: "Conv2D", backend: "wasm", kind: "speed", replaces: false, make: (tf, below) => fewOutputsConv(tf, "wasm", below!) },
  { kernel: "FusedConv2D", backend: "wasm", kind: "speed", replaces: false, make: (tf, below) => fewOutputsConv(tf, "wasm", below!) },
  { kernel: "Sum", backend: "wasm", kind: "speed", replaces: false, make: (tf, below) => sumLeadingAxes(tf, below!) },
  { kernel: "MaxPoolGrad", backend: "wasm", kind: "fix", replaces: true, make: (tf) => maxPoolGradLoop(tf) },
  { kernel: "ResizeNearestNeighborGrad", backend: "cpu", kind: "fix", replaces: false, make: (tf, below) => perBatchItem(tf, "cpu", below!) },
];

/** The convolution kernels our module puts on top of the table's (see conv-wasm.ts). */
export const CONV_MODULE_KERNELS = ["Conv2D", "FusedConv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"] as const;

const installed = new Set<string>();
let convModuleStatus = "not loaded";

/**
 * Installs the table's rows for `backendName` over tfjs's kernels, then (wasm) our convolution
 * module over those unless PSSR_WASM_CONV=xnnpack. Idempotent per backend.
 */
export function installBackendKernels(tf: Tf, backendName: "wasm" | "cpu"): void {
  if (installed.has(backendName)) return;
  installed.add(backendName);
  for (const row of KERNEL_TABLE) {
    if (row.backend !== backendName) continue;
    const below = tf.getKernel(row.kernel, backendName);
    // A wrapping row over a kernel tfjs lacks has nothing to wrap.
    if (!below && !row.replaces) continue;
    if (below) tf.unregisterKernel(row.kernel, backendName);
    // A wrapper keeps the wrapped kernel's setup/dispose functions; a replacement has none.
    const base = row.replaces ? {} : below;
    tf.registerKernel({ ...base, kernelName: row.kernel, backendName, kernelFunc: row.make(tf, below?.kernelFunc) });
  }
  if (backendName === "wasm") {
    convModuleStatus = process.env.PSSR_WASM_CONV === "xnnpack" ? "off (PSSR_WASM_CONV=xnnpack)" : (registerConvModule(tf, backendName) ?? "on");
  }
}

/** Whether our convolution module serves the wasm backend ("on"), or why not. */
export function wasmConvStatus(): string {
  return convModuleStatus;
}
