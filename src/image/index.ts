// The image room's public surface, for src/index.ts to re-export.
export * from "./image.js";
export { percentile, percentiles } from "./percentile.js";
export { normalizePercentile, applyPercentileRange, normalizeMinMax, normalizeMinMse, type PercentileNormalizeOptions } from "./normalize.js";
export { BOUNDARY_MODES, type BoundaryMode, boundaryIndex } from "./boundary.js";
export { gaussianBlur, gaussianKernel, uniformFilter, maximumFilter, convolve2d, type GaussianOptions } from "./filters.js";
export { resize, zoom, rescale, upsampleBilinear, roundHalfEven, type ResizeMethod, type ResizeOptions, type RescaleOptions } from "./resize.js";
export { blockMean, type BlockMeanOptions } from "./block-mean.js";
export { cropPlane } from "./crop.js";
export { DTYPE_RANGE, allocatePixels, castPixels } from "./dtype.js";
export { fft2d, nextPowerOfTwo } from "./fft.js";
export { selectIndices, type AxisSelection } from "./select.js";
