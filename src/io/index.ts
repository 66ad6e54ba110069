// Image input/output: read TIFF/OME-TIFF/ImageJ/PNG/JPEG into an Image, write ImageJ TIFFs and
// PNG previews, write any file atomically.
export { readImage, readImageInfo, setReadDefaults, PSSR_META_TAG, type ReadOptions, type ImageInfo } from "./read.js";
export {
  writeTiff,
  encodeTiff,
  writePng,
  encodePng,
  autoContrast8,
  type TiffDType,
  type WriteTiffOptions,
  type PngOptions,
  type WritePngOptions,
} from "./write.js";
export { atomicWriteFile, temporaryPathFor } from "./atomic.js";
export { parseImageJDescription, parseOmeXml, type OmeDocument, type ImageJDescription } from "./metadata.js";
