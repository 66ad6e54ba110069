// Public API of pssr-lab: what notebooks and other programs import.
export * from "./errors.js";
export * from "./image/index.js";
export * from "./io/index.js";
export * from "./crappify/index.js";
export * from "./metrics/index.js";
export { runDemo, BASELINES, DEMO_HELD_OUT, DEMO_TRAIN, type DemoOptions, type DemoResult, type Restorer } from "./demo/pipeline.js";
export { packageRoot, samplePath } from "./paths.js";
export * as kernel from "./kernel/api.js";
