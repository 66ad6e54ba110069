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
  setThreads,
} from "./select.js";
export { threadCount, defaultThreadCount, parseThreadCount, setThreadCount, type ThreadCount } from "./threads.js";
export { installBackendKernels, KERNEL_TABLE, CONV_MODULE_KERNELS, wasmConvStatus, type KernelRow } from "./kernel-table.js";
export { registerMissingGradients, spaceToDepth } from "./gradients.js";
