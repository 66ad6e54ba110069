// Ensembles (CARE used five networks): members trained with different seeds (weights and
// data order) into one folder, which `pssr predict` accepts as an ensemble. The members share
// the train/validation split, so every member's validation data is unseen by all of them.
//
// Layout: DIR/ensemble.json ({format, members: ["member-1", ...], seeds}) and DIR/member-K/
// (a complete model directory each, with its card and calibration).
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { PssrError, invalidArgument } from "../errors.js";
import { atomicWriteFileSync } from "../io/atomic.js";
import { train, type TrainOptions, type TrainResult } from "./train.js";
import { resolveBudgetMinutes } from "./budget.js";

export { ENSEMBLE_FILE } from "../model/card.js";
import { ENSEMBLE_FILE } from "../model/card.js";

export interface EnsembleManifest {
  format: "pssr-lab/ensemble-v1";
  /** Member folders, relative to the ensemble folder. */
  members: string[];
  seeds: number[];
  splitSeed: number;
}

/** Seed of member k (0-based) of an ensemble trained with `seed`: far apart streams. */
export function memberSeed(seed: number, k: number): number {
  return (seed + k * 1_000_003) >>> 0;
}

/**
 * Trains `n` members into `options.outDir`/member-1..n, seeds memberSeed(seed, k), one shared
 * split (splitSeed = seed), then writes ensemble.json. Stops at an interrupted member. A
 * training budget is shared: each member gets budget / n.
 */
export async function trainEnsemble(options: TrainOptions, n: number, onMember?: (k: number, n: number) => void): Promise<{ results: TrainResult[]; interrupted: boolean }> {
  if (!Number.isInteger(n) || n < 2) throw invalidArgument(`an ensemble needs at least 2 members, got ${n}`);
  const seed = options.seed ?? 0;
  // A budget is the whole ensemble's: each member gets its share.
  const budgetMinutes = resolveBudgetMinutes(options);
  mkdirSync(options.outDir, { recursive: true });
  const results: TrainResult[] = [];
  const members: string[] = [];
  const seeds: number[] = [];
  for (let k = 0; k < n; k++) {
    onMember?.(k + 1, n);
    const name = `member-${k + 1}`;
    const r = await train({ ...options, outDir: join(options.outDir, name), seed: memberSeed(seed, k), ...(budgetMinutes === null ? {} : { budgetMinutes: budgetMinutes / n }), splitSeed: options.splitSeed ?? seed, onWarning: k === 0 ? options.onWarning : undefined }); // the same data: warn once
    results.push(r);
    if (r.interrupted) return { results, interrupted: true };
    members.push(name);
    seeds.push(memberSeed(seed, k));
  }
  const manifest: EnsembleManifest = { format: "pssr-lab/ensemble-v1", members, seeds, splitSeed: options.splitSeed ?? seed };
  atomicWriteFileSync(join(options.outDir, ENSEMBLE_FILE), JSON.stringify(manifest, null, 1));
  return { results, interrupted: false };
}

/**
 * The model directories `dir` stands for: its members when it holds ensemble.json, else itself.
 * A manifest naming a missing member is a PssrError.
 */
export function resolveModelDirs(dir: string): string[] {
  const path = join(dir, ENSEMBLE_FILE);
  if (!existsSync(path)) return [dir];
  let m: EnsembleManifest;
  try {
    m = JSON.parse(readFileSync(path, "utf8")) as EnsembleManifest;
  } catch (e) {
    throw new PssrError("model-invalid", `ensemble.json is not valid JSON (${(e as Error).message})`, { file: path });
  }
  if (m.format !== "pssr-lab/ensemble-v1" || !Array.isArray(m.members) || m.members.length < 2) {
    throw new PssrError("model-invalid", "ensemble.json must list at least 2 members (format pssr-lab/ensemble-v1)", { file: path });
  }
  return m.members.map((name) => {
    const d = resolve(dir, name);
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new PssrError("model-invalid", `ensemble member ${name} is missing`, { file: path });
    return d;
  });
}
