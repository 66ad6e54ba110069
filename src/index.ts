// Public API of pssr-lab: what notebooks and other programs import.
export * from "./errors.js";
export * from "./image/image.js";
