// Training support for reliability: the one-image validation split (no leakage between the
// training and validation regions), the calibration fitted on exactly the validation data, and
// ensembles (members with different seeds sharing the split) that pssr predict takes as one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import type { Plane } from "../../src/image/image.js";
import { readImage } from "../../src/io/read.js";
import { writeTiff } from "../../src/io/write.js";
import { RestorationModel } from "../../src/model/index.js";
import { predictNormalized } from "../../src/predict/index.js";
import { fitScaleCalibration, laplaceDisagreement } from "../../src/metrics/uncertainty.js";
import { readModelCard } from "../../src/model/card.js";
import { normalizePlane, resolveModelDirs, splitRegions, train, trainEnsemble, type SourceImage } from "../../src/train/index.js";
import { runCli } from "../helpers.js";

await selectBackend({ name: "wasm" });

/** A smooth textured plane with a noisy partner (a synthetic real pair). */
function pair(h: number, w: number, seed: number): { hr: Plane; lr: Plane } {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const hr = Float32Array.from({ length: h * w }, (_, i) => 100 + 60 * Math.sin((i % w) / 5) * Math.cos(Math.floor(i / w) / 7));
  // Noise that grows to the right: heteroscedastic, so the Laplace head has something to learn.
  const lr = Float32Array.from(hr, (v, i) => v + (rnd() - 0.5) * (4 + 40 * ((i % w) / w)));
  return { hr: { data: hr, height: h, width: w }, lr: { data: lr, height: h, width: w } };
}

test("one-image split: the validation region is the image's tail, disjoint from the training region, pairs stay aligned", () => {
  const h = 200;
  const w = 120;
  // Every pixel's value is its index: any shared pixel would show up as a shared value.
  const hr: Plane = { data: Float32Array.from({ length: h * w }, (_, i) => i), height: h, width: w };
  const lr: Plane = { data: Float32Array.from({ length: (h / 2) * (w / 2) }, (_, i) => -1 - i), height: h / 2, width: w / 2 };
  const r = splitRegions({ name: "img", hr: [hr], lr: [lr] }, 0.2, 32, 8, 2);
  assert.deepEqual(r.split, { axis: "y", train: [0, 160], validation: [160, 200] });
  const t = new Set(r.train.hr[0].data);
  const v = r.validation.hr[0].data;
  assert.equal(t.size + v.length, h * w, "the two regions cover the image");
  assert.ok(v.every((x) => !t.has(x)), "no validation pixel in the training region");
  assert.equal(r.validation.hr[0].height, 40);
  assert.equal(r.validation.lr![0].height, 20);
  // LR row k of the validation part is LR row 80 + k of the whole: aligned with the HR cut.
  assert.equal(r.validation.lr![0].data[0], -1 - 80 * (w / 2));
  const lt = new Set(r.train.lr![0].data);
  assert.ok(r.validation.lr![0].data.every((x) => !lt.has(x)));
  assert.match(r.validation.name, /img\[validation y 160-200\]/);
  // Wide images are cut along x; a validation region is at least one patch.
  const wide = splitRegions({ name: "wide", hr: [{ data: new Float32Array(64 * 300), height: 64, width: 300 }] }, 0.05, 48, 16, 1);
  assert.deepEqual(wide.split, { axis: "x", train: [0, 252], validation: [252, 300] });
  assert.throws(() => splitRegions({ name: "tiny", hr: [{ data: new Float32Array(64 * 64), height: 64, width: 64 }] }, 0.1, 48, 16, 1), /tiny: one image of 64x64 px is too small/);
});

test("one real pair trains with the region split; the card's calibration is fitted on exactly the validation region", async () => {
  const out = mkdtempSync(join(tmpdir(), "pssr-unc-"));
  try {
    const { hr, lr } = pair(160, 96, 3);
    const src: SourceImage = { name: "pair", hr: [hr], lr: [lr] };
    const r = await train({
      sources: [src],
      outDir: out,
      model: { preset: "tiny", arch: "care", scale: 1, probabilistic: true },
      epochs: 2,
      stepsPerEpoch: 4,
      batchSize: 2,
      patchPx: 32,
      validationFraction: 0.25,
      seed: 2,
    });
    assert.equal(r.epochsCompleted, 2);
    const card = readModelCard(out)!;
    const split = (card.training as { validationSplit: { axis: string; train: number[]; validation: number[] } }).validationSplit;
    assert.deepEqual(split, { kind: "region", axis: "y", train: [0, 120], validation: [120, 160] });
    assert.deepEqual(card.training.trainImages, ["pair[train y 0-120]"]);
    const cal = card.calibration!;
    assert.ok(cal.scale, "a Laplace model gets a scale calibration");
    assert.equal(cal.pixels, 40 * 96, "every validation pixel, and only those");
    assert.deepEqual(cal.data, ["pair[validation y 120-160]"]);
    // Recompute independently from the saved model and the held-out rows alone.
    const rows = (p: Plane, y0: number, y1: number): Plane => ({ data: p.data.slice(y0 * p.width, y1 * p.width), height: y1 - y0, width: p.width });
    const vHr = normalizePlane(rows(hr, 120, 160)).plane;
    const vLr = normalizePlane(rows(lr, 120, 160)).plane;
    const model = await RestorationModel.load(out);
    const p = predictNormalized(model, { data: vLr.data, height: 40, width: 96, frames: 1 });
    model.dispose();
    const again = fitScaleCalibration(vHr.data, p.mean.data, p.scale!.data, "quantile", "validation");
    assert.ok(Math.abs(again.factor - cal.scale.factor) < 1e-4 * again.factor, `${again.factor} vs ${cal.scale.factor}`);
    again.halfWidths!.forEach((v, i) => assert.ok(Math.abs(v - cal.scale!.halfWidths![i]) < 1e-4 * v));
    let mae = 0;
    for (let i = 0; i < vHr.data.length; i++) mae += Math.abs(vHr.data[i] - p.mean.data[i]);
    assert.ok(Math.abs(mae / vHr.data.length - cal.residualScale) < 1e-5);
    // In-sample coverage after calibration sits on the nominal level.
    for (const c of cal.coverage!) assert.ok(Math.abs(c.calibrated - c.nominal) < 0.01, JSON.stringify(c));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("pssr train --ensemble N: members with their own seeds, one shared split, predicted as one ensemble with intervals and D", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-unc-"));
  try {
    const { hr, lr } = pair(128, 96, 5);
    const img = (p: Plane) => ({ data: p.data, shape: [p.height, p.width], axes: "YX", pixelSize: null, dtype: "float32" as const });
    await writeTiff(join(dir, "hr.tif"), img(hr));
    await writeTiff(join(dir, "lr.tif"), img(lr));
    const ens = join(dir, "ens");
    const common = ["--backend", "wasm", "--arch", "care", "--scale", "1", "--probabilistic", "--epochs", "1", "--steps", "3", "--batch", "2", "--patch", "32", "--validation-fraction", "0.25"];
    const t = runCli(["train", "--hr", join(dir, "hr.tif"), "--lr", join(dir, "lr.tif"), "--out", ens, "--ensemble", "3", "--seed", "4", ...common]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /trained an ensemble of 3 members/);
    const manifest = JSON.parse(readFileSync(join(ens, "ensemble.json"), "utf8"));
    assert.deepEqual(manifest.members, ["member-1", "member-2", "member-3"]);
    assert.equal(new Set(manifest.seeds).size, 3);
    const cards = resolveModelDirs(ens).map((d) => readModelCard(d)!);
    assert.equal(new Set(cards.map((c) => c.seed)).size, 3, "different seeds");
    assert.equal(new Set(cards.map((c) => JSON.stringify(c.training.validationImages))).size, 1, "one shared validation region");
    assert.ok(cards.every((c) => c.calibration?.scale));
    const weights = resolveModelDirs(ens).map((d) => readFileSync(join(d, "weights.bin")));
    assert.ok(!weights[0].equals(weights[1]), "members differ");

    // The folder is an ensemble for pssr predict: mean, D in bits (checked against the members).
    const input = join(dir, "lr.tif");
    const out = join(dir, "mean.tif");
    const d = join(dir, "d.tif");
    const e = runCli(["predict", "--backend", "wasm", ens, input, "-o", out, "--disagreement", d, "--measure", "jsd"]);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /mean of 3 models.*disagreement in bits/);
    const means: Float32Array[] = [];
    const scales: Float32Array[] = [];
    for (const [k, m] of resolveModelDirs(ens).entries()) {
      const o = join(dir, `m${k}.tif`);
      const s = join(dir, `s${k}.tif`);
      const r = runCli(["predict", "--backend", "wasm", m, input, "-o", o, "--scale-map", s]);
      assert.equal(r.status, 0, r.stderr);
      means.push((await readImage(o)).data as Float32Array);
      scales.push((await readImage(s)).data as Float32Array);
    }
    const expected = laplaceDisagreement(means, scales);
    const got = (await readImage(d)).data as Float32Array;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    assert.ok(worst < 1e-5, `D through the CLI vs the members' own outputs: ${worst}`);

    // Intervals of one member: lower <= mean <= upper, width grows with P.
    const m1 = resolveModelDirs(ens)[0];
    const lo = join(dir, "lo.tif");
    const up = join(dir, "up.tif");
    const iv = runCli(["predict", "--backend", "wasm", m1, input, "-o", join(dir, "m.tif"), "--interval", "0.9", "--lower", lo, "--upper", up]);
    assert.equal(iv.status, 0, iv.stderr);
    assert.match(iv.stdout, /central 0.9 interval \(calibrated on 3072 validation pixels\)/);
    const L = (await readImage(lo)).data as Float32Array;
    const U = (await readImage(up)).data as Float32Array;
    assert.ok(means[0].every((v, i) => L[i] <= v && v <= U[i]));

    const bad: [string[], RegExp][] = [
      [["predict", "--backend", "wasm", m1, input, "-o", join(dir, "x.tif"), "--interval", "0.9"], /--interval P, --lower FILE and --upper FILE go together/],
      [["predict", "--backend", "wasm", m1, input, "-o", join(dir, "x.tif"), "--interval", "1.5", "--lower", lo, "--upper", up], /--interval must be a level between 0 and 1/],
      [["predict", "--backend", "wasm", ens, input, "-o", join(dir, "x.tif"), "--measure", "kl"], /--measure must be one of std, jsd/],
      [["predict", "--backend", "wasm", ens, input, "-o", join(dir, "x.tif"), "--interval", "0.9", "--lower", lo, "--upper", up], /for one model, not an ensemble/],
      [["predict", "--backend", "wasm", m1, input, "-o", join(dir, "x.tif"), "--scale-map", input], /refusing to write over the input .*names the same file/],
      [["predict", "--backend", "wasm", m1, input, "-o", join(dir, "x.tif"), "--interval", "0.9", "--lower", lo, "--upper", up, "--dtype", "input"], /--interval needs the float32 output/],
      [["train", "--backend", "wasm", "--hr", join(dir, "hr.tif"), "--out", join(dir, "e2"), "--ensemble", "1"], /--ensemble must be an integer in 2..64/],
    ];
    for (const [args, re] of bad) {
      const r = runCli(args);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.ok(!existsSync(join(dir, "x.tif")), "nothing written on bad input");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("trainEnsemble refuses fewer than 2 members", async () => {
  await assert.rejects(trainEnsemble({ sources: [], outDir: "/nonexistent" }, 1), /at least 2 members/);
});
