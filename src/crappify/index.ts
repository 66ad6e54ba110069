// Public surface of the crappifier: degradation operators, named recipes, the crappify()
// entry point, the seeded RNG and calibration to a real low-res acquisition.
export * from "./rng.js";
export * from "./operators.js";
export * from "./params.js";
export * from "./recipes.js";
export * from "./crappify.js";
export * from "./calibrate.js";
export { pilBilinearResize } from "./pil-resize.js";
export { zoomAxis, cropAxisCentered } from "./axis-zoom.js";
export { antialiasedDownsample } from "./antialiased-downsample.js";
