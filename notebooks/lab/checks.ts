// Checks for the pssr-lab course lab (lab.ipynb). Each exercise ends with a check cell:
//
//   check.crappifyShape(lr, hr)
//
// A check recomputes the expected answer with the library and compares. Right: it prints a
// line starting with "✔". Not yet right: it throws a LabCheckError whose message says what is
// missing or wrong and gives a hint, never a stack of library internals. The notebook imports
// this file as `import * as check from "./checks"` (the kernel compiles local .ts modules).
import {
  crappify,
  loadModelDir,
  predictImage,
  readModelCard,
  resolveModelPath,
  detectBlobs,
  detectionScores,
  evaluate,
  getPlane,
  predictBaseline,
  upsampleBilinear,
  type DetectionScores,
  type EvaluateResult,
  type Image,
  type Plane,
  type XY,
} from "pssr-lab";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** A check that did not pass: the message is meant for the student. */
export class LabCheckError extends Error {
  override name = "LabCheckError";
}

function fail(exercise: number, message: string): never {
  throw new LabCheckError(`Exercise ${exercise}: ${message}`);
}

function pass(exercise: number, message: string): void {
  console.log(`✔ Exercise ${exercise}: ${message}`);
}

function notYet(exercise: number, name: string, hint: string): never {
  fail(exercise, `not done yet: \`${name}\` is still undefined. ${hint}`);
}

/** An input that comes from an earlier exercise must be there before this one can be checked. */
function needsImage(exercise: number, name: string, value: unknown, from: number): asserts value is Image {
  if (!isImage(value)) fail(exercise, `this check needs \`${name}\` from exercise ${from}, which is not right yet: finish exercise ${from} first.`);
}

function isImage(v: unknown): v is Image {
  return typeof v === "object" && v !== null && Array.isArray((v as Image).shape) && ArrayBuffer.isView((v as Image).data) && typeof (v as Image).axes === "string";
}

function isPlane(v: unknown): v is Plane {
  return typeof v === "object" && v !== null && (v as Plane).data instanceof Float32Array && Number.isInteger((v as Plane).height) && Number.isInteger((v as Plane).width);
}

function planeOf(v: Image | Plane): Plane {
  return isImage(v) ? getPlane(v) : v;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Exercise 1: `lr` is `hr` crappified with "pssr-em" at 4x, seed 0. */
export function crappifyShape(lr: unknown, hr: Image): void {
  if (lr === undefined) notYet(1, "lr", 'Assign `crappify(hr, "pssr-em", { scaleFactor: 4, seed: 0 }).lr`.');
  if (!isImage(lr)) {
    const what = typeof lr === "object" && lr !== null && "lr" in lr ? "the whole crappify() result; take its `.lr` field" : `a ${typeof lr}`;
    fail(1, `\`lr\` should be an Image, but it is ${what}.`);
  }
  const [h, w] = hr.shape.slice(-2);
  const [lh, lw] = lr.shape.slice(-2);
  if (lh === h && lw === w) fail(1, `\`lr\` is ${lh}x${lw}, the same size as \`hr\`: the low-res image should have 4x fewer pixels per side. Did you pass scaleFactor: 4 and take \`.lr\` (not \`.lrUpsampled\`)?`);
  if (lh !== Math.round(h / 4) || lw !== Math.round(w / 4)) fail(1, `\`lr\` is ${lh}x${lw}; for a 4x crappification of ${h}x${w} it should be ${Math.round(h / 4)}x${Math.round(w / 4)}. Check scaleFactor.`);
  const record = (lr.meta?.crappify ?? {}) as { recipe?: string; seed?: number | null };
  if (record.recipe !== "pssr-em") fail(1, `\`lr\` was made with the recipe "${record.recipe}"; this exercise asks for "pssr-em" (PSSR's EM crappifier).`);
  if (record.seed !== 0) fail(1, `\`lr\` was made with seed ${record.seed}; use seed: 0 so your result is reproducible (and checkable).`);
  const expected = crappify(hr, "pssr-em", { scaleFactor: 4, seed: 0 }).lr;
  if (maxAbsDiff(lr.data, expected.data) > 1e-4) fail(1, "`lr` has the right size, recipe and seed but different pixels: crappify the original `hr`, not a modified copy.");
  pass(1, `${h}x${w} -> ${lh}x${lw} with pssr-em, seed 0. Note the recipe and the seed recorded in lr.meta.crappify.`);
}

/** Exercise 2: `up` is `lr` upsampled 4x bilinearly, and `score` is evaluate(up, hr). */
export function bilinearScore(up: unknown, score: unknown, lr: unknown, hr: Image): void {
  if (up === undefined) notYet(2, "up", "Assign `upsampleBilinear(getPlane(lr), 4)`.");
  needsImage(2, "lr", lr, 1);
  if (!isPlane(up) && !isImage(up)) fail(2, "`up` should be a Plane (what upsampleBilinear returns) or an Image.");
  const u = planeOf(up);
  const g = getPlane(hr);
  if (u.height !== g.height || u.width !== g.width) fail(2, `\`up\` is ${u.height}x${u.width} but \`hr\` is ${g.height}x${g.width}: upsample by the same factor the image was crappified with (4).`);
  const expectedUp = upsampleBilinear(getPlane(lr), 4);
  if (maxAbsDiff(u.data, expectedUp.data) > 1e-3) {
    const nearest = predictBaseline(lr, 4, "nearest").data;
    const isNearest = maxAbsDiff(u.data, nearest) <= 1e-3;
    fail(2, isNearest ? "`up` looks like nearest-neighbour upsampling; use bilinear (upsampleBilinear)." : "`up` is the right size but not the bilinear upsampling of `lr`.");
  }
  if (score === undefined) notYet(2, "score", "Assign `evaluate(up, getPlane(hr))` (prediction first, ground truth second).");
  const s = score as Partial<EvaluateResult>;
  if (typeof s?.psnr !== "number" || typeof s?.ssim !== "number") fail(2, "`score` should be the result of evaluate(): an object with psnr and ssim.");
  const expected = evaluate(expectedUp, g);
  if (!close(s.psnr, expected.psnr, 1e-4) || !close(s.ssim, expected.ssim, 1e-4)) {
    const swapped = evaluate(g, expectedUp);
    if (close(s.psnr, swapped.psnr, 1e-4)) fail(2, "`score` has prediction and ground truth swapped: evaluate(prediction, groundTruth). CARE's normalisation treats the two differently.");
    fail(2, `\`score\` (PSNR ${s.psnr.toFixed(2)}) differs from evaluate(up, getPlane(hr)) (PSNR ${expected.psnr.toFixed(2)}). Compare the upsampled image with the high-res one.`);
  }
  pass(2, `bilinear gives PSNR ${expected.psnr.toFixed(2)} dB, SSIM ${expected.ssim.toFixed(3)}: the number a model has to beat.`);
}

/** Exercise 3: `result` is a finished train() run of a tiny 4x model on pssr-em, written to `outDir`. */
export function trainedModel(result: unknown, outDir: string): void {
  if (result === undefined) notYet(3, "result", "Assign `await train({ ... })` with the options described above.");
  const r = result as { epochsCompleted?: number; outDir?: string; interrupted?: boolean };
  if (typeof r?.epochsCompleted !== "number") {
    if (result instanceof Promise) fail(3, "`result` is a Promise: put `await` before train(...).");
    fail(3, "`result` should be what train() returns (with epochsCompleted, history, best).");
  }
  if (r.epochsCompleted < 1) fail(3, "training finished no epoch: was it stopped at once? Run the cell again.");
  const cardFile = join(outDir, "card.json");
  if (!existsSync(cardFile)) fail(3, `no model card in ${outDir}: pass outDir: outDir to train().`);
  const card = JSON.parse(readFileSync(cardFile, "utf8"));
  if (card.scale !== 4) fail(3, `the model's scale is ${card.scale}; this lab restores 4x (model: { preset: "tiny", scale: 4 }).`);
  if (card.preset !== "tiny") fail(3, `the model is the "${card.preset}" preset; use "tiny" (the others take far longer on a CPU).`);
  const recipe = typeof card.recipe === "string" ? card.recipe : card.recipe?.name;
  if (recipe !== "pssr-em") fail(3, `the model was trained on the "${recipe}" recipe; use "pssr-em", the recipe of exercise 1.`);
  const v = card.validation ?? {};
  if (!Number.isFinite(v.psnr) || !Number.isFinite(v.bilinearPsnr)) fail(3, "the model card has no validation scores: did training finish an epoch?");
  const verdict = v.psnr > v.bilinearPsnr ? "it already beats bilinear" : "not yet better than bilinear: a longer run would help";
  pass(3, `${r.epochsCompleted} epoch(s); validation PSNR ${v.psnr.toFixed(2)} dB vs bilinear ${v.bilinearPsnr.toFixed(2)} dB (${verdict}).`);
}

/** Exercise 4: `restored` is the model's 4x restoration of `lrHeldOut`, `restoredScore` its evaluate() against `hrHeldOut`. */
export function restoration(restored: unknown, restoredScore: unknown, lrHeldOut: Image, hrHeldOut: Image): void {
  if (restored === undefined) notYet(4, "restored", "Assign `predictImage(model, lrHeldOut, { normalization: card.normalization }).image`.");
  if (!isImage(restored) && !isPlane(restored)) {
    const hint = typeof restored === "object" && restored !== null && "image" in restored ? " predictImage() returns { image, warnings }: take `.image`." : "";
    fail(4, `\`restored\` should be an Image.${hint}`);
  }
  const p = planeOf(restored);
  const g = getPlane(hrHeldOut);
  const [lh, lw] = lrHeldOut.shape.slice(-2);
  if (p.height !== g.height || p.width !== g.width) fail(4, `\`restored\` is ${p.height}x${p.width}; restoring the ${lh}x${lw} input 4x gives ${g.height}x${g.width}. Did you restore \`lrHeldOut\`?`);
  if (maxAbsDiff(p.data, predictBaseline(lrHeldOut, 4, "bilinear").data) < 1e-3) fail(4, "`restored` is the bilinear upsampling; restore with the trained model (predictImage).");
  if (restoredScore === undefined) notYet(4, "restoredScore", "Assign `evaluate(getPlane(restored), getPlane(hrHeldOut))`.");
  const s = restoredScore as Partial<EvaluateResult>;
  if (typeof s?.psnr !== "number") fail(4, "`restoredScore` should be the result of evaluate().");
  const expected = evaluate(p, g);
  if (!close(s.psnr, expected.psnr, 1e-4)) fail(4, `\`restoredScore\` (PSNR ${s.psnr.toFixed(2)}) is not evaluate(restored, hrHeldOut) (PSNR ${expected.psnr.toFixed(2)}).`);
  const bil = evaluate(getPlane(predictBaseline(lrHeldOut, 4, "bilinear")), g);
  pass(4, `model PSNR ${expected.psnr.toFixed(2)} dB / SSIM ${expected.ssim.toFixed(3)} vs bilinear ${bil.psnr.toFixed(2)} dB / ${bil.ssim.toFixed(3)} on a section it never saw.`);
}

/** Exercise 5: `found` are nuclei detected on `upFrame`, and `scores` their detectionScores() against `reference` (radius 8 px). */
export function precisionRecall(found: unknown, scores: unknown, upFrame: Plane, reference: readonly XY[]): void {
  if (found === undefined) notYet(5, "found", "Assign `detectBlobs(upFrame, { diameterPx: 20, thresholdRel: 0.1 }).blobs`.");
  if (!Array.isArray(found)) {
    const hint = typeof found === "object" && found !== null && "blobs" in found ? " detectBlobs() returns { blobs, ... }: take `.blobs`." : "";
    fail(5, `\`found\` should be an array of detections.${hint}`);
  }
  const expectedFound = detectBlobs(upFrame, { diameterPx: 20, thresholdRel: 0.1 }).blobs;
  if (found.length !== expectedFound.length) fail(5, `\`found\` has ${found.length} detections; detectBlobs(upFrame, { diameterPx: 20, thresholdRel: 0.1 }) finds ${expectedFound.length}. Same image and options as annotator A?`);
  if (scores === undefined) notYet(5, "scores", "Assign `detectionScores(found, reference, { radiusPx: 8 })`.");
  const s = scores as Partial<DetectionScores>;
  if (typeof s?.precision !== "number" || typeof s?.recall !== "number") fail(5, "`scores` should be the result of detectionScores().");
  const expected = detectionScores(found as XY[], reference, { radiusPx: 8 });
  if (!close(s.precision, expected.precision) || !close(s.recall, expected.recall)) {
    const swapped = detectionScores(reference, found as XY[], { radiusPx: 8 });
    if (close(s.precision, swapped.precision) && close(s.recall, swapped.recall)) fail(5, "precision and recall are swapped: detectionScores(detected, reference, ...) takes your detections first.");
    fail(5, `expected precision ${expected.precision.toFixed(2)} and recall ${expected.recall.toFixed(2)} with a matching radius of 8 px.`);
  }
  pass(5, `${expected.truePositives} of ${reference.length} reference nuclei found (recall ${expected.recall.toFixed(2)}), ${expected.falsePositives} extra (precision ${expected.precision.toFixed(2)}).`);
}

/** Exercise 6: the cautions quiz; `answers` maps question numbers to "a", "b" or "c". */
export function cautions(answers: unknown): void {
  const key: Record<string, { right: string; why: Record<string, string> }> = {
    q1: {
      right: "b",
      why: {
        a: "a restoration redistributes intensity (percentile normalisation, denoising): brightness is not proportional to the fluorophore. Measure intensities on the raw data.",
        c: "averaging several restorations does not make intensities quantitative either.",
      },
    },
    q2: {
      right: "c",
      why: {
        a: "the model learnt structures at its training pixel size; at 2x finer pixels every structure is twice as large as it has ever seen.",
        b: "upsampling the input changes the pixel size too; the input must be at the training pixel size.",
      },
    },
    q3: {
      right: "a",
      why: {
        b: "a network fills in what it has seen in training; a striking structure that only the restoration shows needs support in the raw data.",
        c: "a high PSNR on other images says nothing about this structure.",
      },
    },
  };
  if (answers === undefined) notYet(6, "answers", 'Assign an object like { q1: "a", q2: "b", q3: "c" } with your choices.');
  if (typeof answers !== "object" || answers === null) fail(6, 'answers should be an object like { q1: "a", q2: "b", q3: "c" }.');
  const given = answers as Record<string, unknown>;
  const wrong: string[] = [];
  for (const [q, { right, why }] of Object.entries(key)) {
    const a = String(given[q] ?? "").trim().toLowerCase();
    if (!["a", "b", "c"].includes(a)) wrong.push(`${q}: no answer yet (choose "a", "b" or "c")`);
    else if (a !== right) wrong.push(`${q}: not "${a}": ${why[a]}`);
  }
  if (wrong.length) fail(6, `${Object.keys(key).length - wrong.length} of ${Object.keys(key).length} right so far.\n  ${wrong.join("\n  ")}`);
  pass(6, "all three right. Restorations are for finding and following structures, at the pixel size the model knows, checked against the raw data.");
}

/** A loaded model as loadModel/loadModelDir return it (checked loosely: students may pass anything). */
interface Loaded {
  model: { dispose(): void };
  card: { normalization?: unknown; createdAt?: string } | null;
}

function restoreWith(m: Loaded, lr: Image): Plane {
  const r = predictImage(m.model as never, lr, { normalization: m.card?.normalization as never });
  return getPlane(r.image);
}

/**
 * Exercise 7: `pretrained` is loadModel(PRETRAINED), `pretrainedScore` its restoration of
 * `lrHeldOut` scored against `hrHeldOut`, `tuned` a train() run started from it into `tunedDir`.
 * Returns a markdown table: bilinear, the model of exercise 3, the pretrained model, fine-tuned.
 */
export async function pretrainedModel(pretrained: unknown, pretrainedScore: unknown, tuned: unknown, tunedDir: string, name: string, lrHeldOut: Image, hrHeldOut: Image, trained: Loaded | null): Promise<string> {
  if (pretrained === undefined) notYet(7, "pretrained", "Assign `await loadModel(PRETRAINED)`.");
  if (pretrained instanceof Promise) fail(7, "`pretrained` is a Promise: put `await` before loadModel(...).");
  const m = pretrained as Partial<Loaded>;
  if (typeof m?.model?.dispose !== "function" || m.card === undefined) fail(7, "`pretrained` should be what loadModel() returns: { model, card }.");
  const expectedCard = readModelCard(resolveModelPath(name));
  if (m.card?.createdAt !== expectedCard?.createdAt) fail(7, "`pretrained` is not the model PRETRAINED names: load it with loadModel(PRETRAINED), not your own model from exercise 3.");
  if (pretrainedScore === undefined) notYet(7, "pretrainedScore", "Assign evaluate() of the pretrained model's restoration of lrHeldOut against hrHeldOut, as in exercise 4.");
  const s = pretrainedScore as Partial<EvaluateResult>;
  if (typeof s?.psnr !== "number") fail(7, "`pretrainedScore` should be the result of evaluate().");
  const g = getPlane(hrHeldOut);
  const p = restoreWith(m as Loaded, lrHeldOut);
  const expected = evaluate(p, g);
  const bil = evaluate(getPlane(predictBaseline(lrHeldOut, 4, "bilinear")), g);
  if (!close(s.psnr, expected.psnr, 1e-4)) {
    if (close(s.psnr, bil.psnr, 1e-4)) fail(7, "`pretrainedScore` is the score of bilinear upsampling; restore lrHeldOut with pretrained.model (predictImage) first.");
    if (close(s.psnr, evaluate(g, p).psnr, 1e-4)) fail(7, "`pretrainedScore` has prediction and ground truth swapped: evaluate(prediction, groundTruth).");
    fail(7, `\`pretrainedScore\` (PSNR ${s.psnr.toFixed(2)}) is not evaluate() of the pretrained model's restoration of lrHeldOut against hrHeldOut (PSNR ${expected.psnr.toFixed(2)}).`);
  }
  if (tuned === undefined) notYet(7, "tuned", "Assign `await train({ ..., init: PRETRAINED, ...FINE_TUNE, outDir: tunedDir })`.");
  if (tuned instanceof Promise) fail(7, "`tuned` is a Promise: put `await` before train(...).");
  if (typeof (tuned as { epochsCompleted?: unknown })?.epochsCompleted !== "number") fail(7, "`tuned` should be what train() returns.");
  const card = existsSync(join(tunedDir, "card.json")) ? JSON.parse(readFileSync(join(tunedDir, "card.json"), "utf8")) : null;
  if (!card) fail(7, `no model card in ${tunedDir}: pass outDir: tunedDir to train().`);
  if (card.training?.initFrom !== resolve(resolveModelPath(name))) fail(7, "the fine-tuned model started from scratch: pass init: PRETRAINED to train() so that it starts from the pretrained weights.");
  const ft = await loadModelDir(tunedDir);
  let ftScore: EvaluateResult;
  try {
    ftScore = evaluate(restoreWith(ft, lrHeldOut), g);
  } finally {
    ft.model.dispose();
  }
  const own = trained ? evaluate(restoreWith(trained, lrHeldOut), g) : null;
  const row = (what: string, e: EvaluateResult | null) => (e ? `| ${what} | ${e.psnr.toFixed(2)} | ${e.ssim.toFixed(3)} |` : `| ${what} | n/a | n/a |`);
  pass(7, `pretrained as is: PSNR ${expected.psnr.toFixed(2)} dB; fine-tuned: ${ftScore.psnr.toFixed(2)} dB (bilinear ${bil.psnr.toFixed(2)} dB).`);
  return ["| restoration of the held-out section | PSNR (dB) | SSIM |", "|---|---|---|", row("bilinear", bil), row("your model from scratch (exercise 3)", own), row(`pretrained (${name.split("/").pop()}), as is`, expected), row("pretrained, fine-tuned here", ftScore)].join("\n");
}
