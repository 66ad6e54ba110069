// Data provenance for model cards: each training file with its sha256, size, and the licence and
// attribution of the dataset it belongs to (from the table below, transcribed from
// shared/data/README.md and data-samples/README.md; the PROVENANCE.md files there give the evidence).
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { PssrError } from "../errors.js";

/** One training file as the card records it. */
export interface DataFileProvenance {
  /** The path as given to training. */
  file: string;
  /** The path inside the known dataset layout (shared/data and data-samples), e.g. em/emdiffuse_demo/mouse_liver_0.tif; null when unknown. */
  relativePath: string | null;
  sha256: string;
  /** File size; null when the record came without it (provenance.json of scripts/train-pretrained). */
  bytes: number | null;
  /** The known dataset's id, or null (then licence and attribution are unknown: state them before sharing the model). */
  dataset: string | null;
  licence: string | null;
  /** Who must be credited (CC BY data), null when the licence asks for none beyond the notice. */
  attribution: string | null;
  source: string | null;
}

interface KnownDataset {
  id: string;
  /** Folder (and file-name prefix) as it appears in a path, '/'-separated. */
  match: string;
  licence: string;
  attribution: string | null;
  source: string;
}

// Order matters: the first match wins (specific file-name prefixes before whole folders).
const KNOWN_DATASETS: readonly KnownDataset[] = [
  { id: "emdiffuse-microns-cortex", match: "em/emdiffuse_demo/microns_mouse_cortex", licence: "MIT (EMDiffuse repository); MICrONS data CC BY 4.0", attribution: "MICrONS Consortium (mouse visual cortex), via the EMDiffuse demo data (Lu et al.)", source: "Luchixiang/EMDiffuse @ 79c8045 : demo/microns_demo" },
  { id: "emdiffuse-mouse-liver", match: "em/emdiffuse_demo/mouse_liver", licence: "MIT", attribution: "EMDiffuse (Lu et al.), Luchixiang/EMDiffuse", source: "Luchixiang/EMDiffuse @ 79c8045 : demo/mouse_liver_demo" },
  { id: "emdiffuse-noisy-sem", match: "em/emdiffuse_noisy_patches_uint16", licence: "MIT", attribution: "EMDiffuse (Lu et al.), Luchixiang/EMDiffuse", source: "Luchixiang/EMDiffuse @ b9facc4 : demo/denoise_crop_patches/1/0" },
  { id: "emdiffuse-noisy-sem", match: "em/emdiffuse_noisy_sem", licence: "MIT", attribution: "EMDiffuse (Lu et al.), Luchixiang/EMDiffuse", source: "Luchixiang/EMDiffuse @ b9facc4 : demo/denoise_crop_patches/1/0" },
  { id: "emdiffuse-brain-pair", match: "pairs/emdiffuse_brain_noisy_clean", licence: "MIT", attribution: "EMDiffuse (Lu et al.), Luchixiang/EMDiffuse", source: "Luchixiang/EMDiffuse @ b9facc4 : experiments/test_EMDiffuse-n_240129_141104/results/test/0" },
  { id: "neuroproof-fibsem-medulla", match: "em/neuroproof_fibsem_medulla_10nm", licence: "CC BY (3.0-style Creative Commons Public License)", attribution: "HHMI Janelia FlyEM (janelia-flyem/neuroproof_examples)", source: "janelia-flyem/neuroproof_examples @ ce839e1" },
  { id: "mitoem-ssem", match: "em/bioimageio_samples/mitoem_ssem", licence: "CC-BY-4.0 (bioimage.io package licence)", attribution: "MitoEM (Wei et al., MICCAI 2020), sample input of bioimage.io model 10.5281/zenodo.5874841", source: "ivan-ea/numpy-tiff-deepimagej @ 4eb1e06" },
  { id: "platynereis-sbem", match: "em/bioimageio_samples/platynereis_sbem", licence: "CC-BY-4.0 (bioimage.io package licence)", attribution: "Platynereis dumerilii SBEM (Vergara et al. 2021), sample inputs of bioimage.io models 10.5281/zenodo.6028280 and 6028097", source: "ivan-ea/numpy-tiff-deepimagej @ 4eb1e06" },
  { id: "cebranet-vsem", match: "em/bioimageio_samples/cebranet_vsem", licence: "CC-BY-4.0 (bioimage.io package licence)", attribution: "CebraNET volume SEM, sample input of bioimage.io model 10.5281/zenodo.7274275", source: "ivan-ea/numpy-tiff-deepimagej @ 4eb1e06" },
  { id: "sev-tem", match: "em/bioimageio_samples/sev_tem_vesicles", licence: "BSD-3-Clause (bioimage.io package licence)", attribution: null, source: "ivan-ea/numpy-tiff-deepimagej @ 4eb1e06" },
  { id: "n2v-sem-demo", match: "em/bioimageio_samples/n2v_sem_demo", licence: "BSD-3-Clause", attribution: null, source: "bioimage-io/fiji-bioimage-io @ 55c67f6 : models/n2v-sem-demo" },
  { id: "mitotracker-confocal-lr", match: "fluo/bioimageio_mitotracker_lr", licence: "MIT (bioimage.io package licence)", attribution: null, source: "ivan-ea/numpy-tiff-deepimagej @ 4eb1e06" },
  { id: "bpae-mitochondria", match: "BPAE_mito", licence: "CC BY 4.0", attribution: "haesleinhuepf/BioImageAnalysisNotebooks (BPAE cell, data/BPAE_mito.tif)", source: "haesleinhuepf/BioImageAnalysisNotebooks @ 3766d2f : data/BPAE_mito.tif" },
  { id: "membrane-timelapse", match: "membrane_2d_timelapse", licence: "CC BY 4.0", attribution: "S. M. Kuhn, Nadler lab, MPI-CBG Dresden", source: "haesleinhuepf/BioImageAnalysisNotebooks @ 3766d2f : data/membrane_2d_timelapse.tif" },
  { id: "cancer-cell-migration", match: "cancer_cell_migration", licence: "CC BY 4.0", attribution: "J.-Y. Tinevez and G. Jacquemet (zenodo 5206107)", source: "haesleinhuepf/BioImageAnalysisNotebooks @ 3766d2f : data/cancer_cell_migration_crop.tif" },
];

/** The known dataset a path belongs to (matched on '/'-separated path segments), with its path inside the layout. */
export function knownDataset(path: string): { dataset: KnownDataset; relativePath: string } | null {
  const p = resolve(path).split("\\").join("/");
  for (const d of KNOWN_DATASETS) {
    const at = p.lastIndexOf(d.match.includes("/") ? `/${d.match}` : d.match);
    if (at < 0) continue;
    const rel = d.match.includes("/") ? p.slice(at + 1) : p.slice(p.lastIndexOf("/", at) + 1);
    return { dataset: d, relativePath: rel };
  }
  return null;
}

/** sha256 (hex) of a file's bytes. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Provenance of the files a model was trained on (hash, size, dataset, licence, attribution). */
export function dataProvenance(paths: readonly string[]): DataFileProvenance[] {
  return paths.map((file) => {
    let bytes: number;
    try {
      bytes = statSync(file).size;
    } catch {
      throw new PssrError("file-not-found", "a training file named in the provenance does not exist", { file });
    }
    const known = knownDataset(file);
    return {
      file,
      relativePath: known?.relativePath ?? null,
      sha256: sha256File(file),
      bytes,
      dataset: known?.dataset.id ?? null,
      licence: known?.dataset.licence ?? null,
      attribution: known?.dataset.attribution ?? null,
      source: known?.dataset.source ?? null,
    };
  });
}

/** One line per dataset: "N files of DATASET (LICENCE; attribution: ...)", unknown files counted apart. */
export function summarizeProvenance(files: readonly DataFileProvenance[]): string[] {
  const groups = new Map<string, DataFileProvenance[]>();
  for (const f of files) groups.set(f.dataset ?? "", [...(groups.get(f.dataset ?? "") ?? []), f]);
  return [...groups].map(([id, fs]) =>
    id === ""
      ? `${fs.length} file${fs.length > 1 ? "s" : ""} of unknown licence`
      : `${fs.length} file${fs.length > 1 ? "s" : ""} of ${id} (${fs[0].licence}${fs[0].attribution ? `; attribution: ${fs[0].attribution}` : ""})`,
  );
}
