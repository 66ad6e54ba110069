// Chunked volumes: OME-Zarr (NGFF 0.4, zarr v2) through zarrita.
export * from "./ome.js";
