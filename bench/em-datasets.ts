// The shared real microscopy (../shared/data) grouped by dataset (lab / microscope), as the
// leave-one-dataset-out protocol and the pretrained-model script need it: which files, which
// licence, which pixel size, and how many planes of each stack to use (adjacent sections are
// near-duplicates; a cap keeps one big volume from outweighing the others).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readImage } from "../src/io/index.js";
import { getPlane, planeCount, type Plane } from "../src/image/image.js";
import type { SourceImage } from "../src/train/data.js";

export interface DatasetFile {
  /** Path relative to the shared data folder. */
  path: string;
  licence: string;
  attribution: string;
}

export interface Dataset {
  id: string;
  modality: "em" | "fluo";
  description: string;
  files: DatasetFile[];
  /** HR pixel size in nm where the source states it, else null. */
  pixelSizeNm: number | null;
  /** At most this many planes of each file's stack, evenly spaced. */
  maxPlanesPerFile: number;
}

const MICRONS = "MICrONS (CC BY 4.0) via Luchixiang/EMDiffuse (MIT)";
const JANELIA = "HHMI Janelia FlyEM, janelia-flyem/neuroproof_examples (CC BY)";
const BIIO = (what: string) => `${what}, BioImage Model Zoo sample via ivan-ea/numpy-tiff-deepimagej`;

// The shared data folder is the tests' (../shared/data beside the checkout; PSSR_SHARED_DATA overrides).
export { sharedDataDir } from "../test/helpers.js";

function slices(dir: string, root: string, licence: string, attribution: string, every: number, max: number): DatasetFile[] {
  const names = readdirSync(join(root, dir)).filter((n) => n.endsWith(".png")).sort();
  const picked = names.filter((_, i) => i % every === 0).slice(0, max);
  return picked.map((n) => ({ path: join(dir, n), licence, attribution }));
}

/** The EM datasets, one entry per lab / microscope. */
export function emDatasets(root: string): Dataset[] {
  const np = "em/neuroproof_fibsem_medulla_10nm";
  return [
    {
      id: "emdiffuse-sstem",
      modality: "em",
      description: "EMDiffuse demo crops: MICrONS mouse cortex and mouse liver (256x256)",
      files: ["microns_mouse_cortex_0", "microns_mouse_cortex_1", "mouse_liver_0", "mouse_liver_1"].map((n) => ({ path: `em/emdiffuse_demo/${n}.tif`, licence: "MIT (EMDiffuse); MICrONS data CC BY 4.0", attribution: MICRONS })),
      pixelSizeNm: null,
      maxPlanesPerFile: 1,
    },
    {
      id: "neuroproof-fibsem",
      modality: "em",
      description: "FIB-SEM of Drosophila medulla, 10 nm isotropic (two cubes, every 10th slice)",
      files: [...slices(`${np}/training_sample1/grayscale_maps`, root, "CC BY", JANELIA, 10, 25), ...slices(`${np}/validation_sample/grayscale_maps`, root, "CC BY", JANELIA, 10, 8)],
      pixelSizeNm: 10,
      maxPlanesPerFile: 1,
    },
    {
      id: "mitoem-ssem",
      modality: "em",
      description: "MitoEM serial-section EM (32x256x256, 8 nm)",
      files: [{ path: "em/bioimageio_samples/mitoem_ssem_32x256x256.tif", licence: "CC-BY-4.0 (model package)", attribution: BIIO("MitoEM (Wei et al. 2020)") }],
      pixelSizeNm: 8,
      maxPlanesPerFile: 12,
    },
    {
      id: "platynereis-sbem",
      modality: "em",
      description: "Platynereis SBEM, cells and nuclei samples (32x256x256 each)",
      files: ["cells", "nuclei"].map((n) => ({ path: `em/bioimageio_samples/platynereis_sbem_${n}_32x256x256.tif`, licence: "CC-BY-4.0 (model package)", attribution: BIIO("Platynereis SBEM (Vergara et al. 2021)") })),
      pixelSizeNm: null,
      maxPlanesPerFile: 8,
    },
    {
      id: "cebranet-vsem",
      modality: "em",
      description: "CebraNET volume SEM (64x64x64)",
      files: [{ path: "em/bioimageio_samples/cebranet_vsem_64x64x64.tif", licence: "CC-BY-4.0 (model package)", attribution: BIIO("CebraNET") }],
      pixelSizeNm: null,
      maxPlanesPerFile: 16,
    },
    {
      id: "n2v-sem",
      modality: "em",
      description: "SEM image of the N2V SEM demo (600x600 float32)",
      files: [{ path: "em/bioimageio_samples/n2v_sem_demo_600x600_float32.tif", licence: "BSD-3-Clause", attribution: "bioimage-io/fiji-bioimage-io n2v-sem-demo" }],
      pixelSizeNm: null,
      maxPlanesPerFile: 1,
    },
    {
      id: "sev-tem",
      modality: "em",
      description: "TEM of extracellular vesicles (400x400 uint16, ~1 nm)",
      files: [{ path: "em/bioimageio_samples/sev_tem_vesicles_400x400_uint16.tif", licence: "BSD-3-Clause", attribution: BIIO("sEV TEM") }],
      pixelSizeNm: 0.966,
      maxPlanesPerFile: 1,
    },
  ];
}

/** Fluorescence stills and time-lapse frames with permissive licences (CC BY / MIT). */
export function fluoDatasets(): Dataset[] {
  const hh = "haesleinhuepf/BioImageAnalysisNotebooks";
  return [
    { id: "bpae-mito", modality: "fluo", description: "mitochondria in a fixed BPAE cell (680x1100)", files: [{ path: "fluo/bpae_mitochondria_float32/BPAE_mito.tif", licence: "CC BY 4.0", attribution: hh }], pixelSizeNm: null, maxPlanesPerFile: 1 },
    { id: "membrane-timelapse", modality: "fluo", description: "live membrane label, 5 frames 256x256", files: [{ path: "fluo/timelapse/membrane_2d_timelapse_5x256x256.tif", licence: "CC BY 4.0", attribution: `S. M. Kuhn, Nadler lab, MPI-CBG, via ${hh}` }], pixelSizeNm: null, maxPlanesPerFile: 5 },
    { id: "cancer-cell-nuclei", modality: "fluo", description: "nuclei time-lapse, 130x130 frames", files: [{ path: "fluo/timelapse/cancer_cell_migration_crop_48x130x130.tif", licence: "CC BY 4.0", attribution: `Tinevez & Jacquemet (zenodo 5206107), via ${hh}` }], pixelSizeNm: null, maxPlanesPerFile: 8 },
    { id: "micromanager-cells", modality: "fluo", description: "Micro-Manager live cells, 256x256 frames", files: [{ path: "fluo/timelapse/micromanager_181003_multi_pos_time_course_1_MMStack.ome.tif", licence: "MIT", attribution: "tlnagy/exampletiffs (OMETIFF.jl test data)" }], pixelSizeNm: null, maxPlanesPerFile: 8 },
  ];
}

/** Evenly spaced indices: at most `max` of 0..n-1. */
export function spacedIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor(((i + 0.5) * n) / max));
}

/** The planes of a dataset as 2D training sources (each plane its own image). */
export async function loadSources(ds: Dataset, root: string): Promise<SourceImage[]> {
  const out: SourceImage[] = [];
  for (const f of ds.files) {
    const img = await readImage(join(root, f.path));
    const n = planeCount(img);
    for (const i of spacedIndices(n, ds.maxPlanesPerFile)) {
      const p: Plane = getPlane(img, i);
      // float copies: uint8/uint16 planes become float32 for crappify and normalisation
      out.push({ name: `${ds.id}:${f.path}${n > 1 ? `[${i}]` : ""}`, hr: [{ data: Float32Array.from(p.data), height: p.height, width: p.width }] });
    }
  }
  return out;
}

/** sha256 of each file of the datasets, with licence and attribution (for model cards). */
export function provenance(datasets: Dataset[], root: string): { dataset: string; path: string; sha256: string; licence: string; attribution: string; planes: number }[] {
  return datasets.flatMap((ds) =>
    ds.files.map((f) => ({
      dataset: ds.id,
      path: `shared/data/${f.path}`,
      sha256: createHash("sha256").update(readFileSync(join(root, f.path))).digest("hex"),
      licence: f.licence,
      attribution: f.attribution,
      planes: ds.maxPlanesPerFile,
    })),
  );
}
