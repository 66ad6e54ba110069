// Choosing and starting a tfjs backend, plus the kernels and gradients backends lack.
export { getTf, bundledTf, type Tf } from "./tf.js";
export {
  BACKEND_NAMES,
  DEFAULT_ORDER,
  type BackendName,
  type SelectedBackend,
  type BackendReport,
  selectBackend,
  describeBackends,
  currentBackend,
  parseBackendName,
  wasmBinaryDir,
} from "./select.js";
export { registerWasmTrainingKernels, fixBatchedGradientKernels, WASM_TRAINING_KERNELS, wasmConvStatus } from "./wasm_kernels.js";
export { registerMissingGradients, spaceToDepth } from "./gradients.js";
