// Appearance augmentation (src/train/augment.ts): the transform against numpy/scikit-image, the
// draws within their ranges, the (LR, HR) pair still aligned after augmentation, validation
// untouched, bad specs refused with one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read.js";
import { getPlane, type Plane } from "../../src/image/image.js";
import { zoom } from "../../src/image/resize.js";
import { Rng } from "../../src/crappify/rng.js";
import { PssrError } from "../../src/errors.js";
import { augmentPlanes, checkAugmentSpec, drawAugment, EM_AUGMENT, type AugmentSpec } from "../../src/train/augment.js";
import { makePair, type PairOptions } from "../../src/train/data.js";
import { runPython, sharedDataDir } from "../helpers.js";

async function emPlane(): Promise<Plane> {
  const p = getPlane(await readImage(join(sharedDataDir, "em", "emdiffuse_demo", "mouse_liver_0.tif")), 0);
  return { data: Float32Array.from(p.data), height: p.height, width: p.width };
}

test("augmentPlanes matches numpy (tone curve, percentiles) and scikit-image (rescale) on real EM", async () => {
  const plane = await emPlane();
  const specs: AugmentSpec[] = [
    { gamma: [0.5, 0.5], contrast: [1.3, 1.3], offset: [0.1, 0.1] },
    { gamma: [1.7, 1.7], contrast: [0.6, 0.6], offset: [-0.2, -0.2], invertProbability: 1 },
    { ...EM_AUGMENT, scaleJitter: 1.3 },
    { ...EM_AUGMENT, scaleJitter: 1.3 },
  ];
  const seeds = [100, 101, 102, 107];
  const ours = specs.map((s, k) => augmentPlanes([plane], s, seeds[k]));
  // the jittered cases exercise both growing (no anti-aliasing) and shrinking (anti-aliased)
  assert.ok(ours[2].draw.scaleFactor > 1.02 && ours[3].draw.scaleFactor < 0.98, `${ours[2].draw.scaleFactor} ${ours[3].draw.scaleFactor}`);
  const dir = mkdtempSync(join(tmpdir(), "pssr-augment-"));
  try {
    writeFileSync(join(dir, "x.bin"), Buffer.from(plane.data.buffer));
    const refs: { shape: number[]; range: number }[] = JSON.parse(runPython("augment_ref.py", [], JSON.stringify({ dir, shape: [plane.height, plane.width], draws: ours.map((o) => o.draw) })));
    ours.forEach((o, k) => {
      const p = o.planes[0];
      assert.deepEqual([p.height, p.width], refs[k].shape, `case ${k}: shape`);
      const ref = new Float32Array(readFileSync(join(dir, `y${k}.bin`)).buffer.slice(0));
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(ref[i] - p.data[i]));
      // float32 vs float64 through a power law and a resampling: 2e-3 of the source's range
      assert.ok(maxErr < 2e-3 * refs[k].range, `case ${k} (${JSON.stringify(o.draw)}): max |ours - reference| = ${maxErr} (range ${refs[k].range})`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(ours[1].draw.invert && !ours[0].draw.invert);
});

test("drawAugment stays in its ranges; gamma is log-uniform, inversion has its probability", () => {
  const rng = Rng.fromSeed(7);
  const n = 4000;
  let inverted = 0;
  let below1 = 0;
  for (let i = 0; i < n; i++) {
    const d = drawAugment(EM_AUGMENT, rng);
    assert.ok(d.contrast >= 0.6 && d.contrast <= 1.4 && d.gamma >= 0.6 && d.gamma <= 1.6 && d.offset >= -0.15 && d.offset <= 0.15);
    assert.ok(d.scaleFactor >= 1 / 1.25 - 1e-12 && d.scaleFactor <= 1.25 + 1e-12);
    if (d.invert) inverted++;
    if (d.gamma < 1) below1++;
  }
  // log-uniform on [0.6, 1.6]: P(gamma < 1) = ln(1/0.6) / ln(1.6/0.6) = 0.521 (uniform would be 0.4)
  assert.ok(Math.abs(below1 / n - Math.log(1 / 0.6) / Math.log(1.6 / 0.6)) < 0.03, `P(gamma<1) = ${below1 / n}`);
  assert.ok(Math.abs(inverted / n - 0.2) < 0.03, `P(invert) = ${inverted / n}`);
  const id = drawAugment({}, Rng.fromSeed(1));
  assert.deepEqual({ ...id }, { contrast: 1, gamma: 1, offset: 0, invert: false, scaleFactor: 1 });
});

function bestShift(a: Plane, b: Plane, r: number): { dy: number; dx: number; corr: number } {
  // normalised cross-correlation of a and b over the central region, shifts in [-r, r]
  let best = { dy: 0, dx: 0, corr: -Infinity };
  const m = r + 4;
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
      for (let y = m; y < a.height - m; y++) {
        for (let x = m; x < a.width - m; x++) {
          const va = a.data[y * a.width + x];
          const vb = b.data[(y + dy) * b.width + x + dx];
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; n++;
        }
      }
      const corr = (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
      if (corr > best.corr) best = { dy, dx, corr };
    }
  }
  return best;
}

test("an augmented (LR, HR) pair stays aligned; validation pairs are not augmented", async () => {
  const plane = await emPlane();
  const src = { name: "liver", hr: [plane] };
  // no noise, corner-aligned zoom: the LR zoomed back must line up with the HR at shift 0
  const base: PairOptions = { recipe: { name: "pssr-em", params: { localvarScale: 0 } }, scale: 4, frames: 1, hrPatch: 64, seed: 3, backgroundThreshold: 0 };
  const opts: PairOptions = { ...base, appearance: { ...EM_AUGMENT, scaleJitter: 1.25, invertProbability: 0.5 } };
  let resized = 0;
  for (let epoch = 0; epoch < 4; epoch++) {
    const pair = makePair(src, 0, epoch, opts);
    const hr = pair.hr[0];
    if (hr.height !== 256) resized++;
    const up = zoom(pair.lr[0], 4, { order: 1 });
    const hrCrop: Plane = { data: new Float32Array(up.height * up.width), height: up.height, width: up.width };
    for (let y = 0; y < up.height; y++) hrCrop.data.set(hr.data.subarray(y * hr.width, y * hr.width + up.width), y * up.width);
    const s = bestShift(up, hrCrop, 3);
    assert.deepEqual([s.dy, s.dx], [0, 0], `epoch ${epoch}: best shift ${JSON.stringify(s)}`);
    assert.ok(s.corr > 0.8, `epoch ${epoch}: correlation ${s.corr}`);
  }
  assert.ok(resized > 0, "scale jitter changed the size in some epoch");
  // augmentation changes training pairs, and never the validation pairs (epoch < 0)
  const plain = makePair(src, 0, 0, base);
  assert.notDeepEqual(makePair(src, 0, 0, { ...opts, appearance: { gamma: [0.5, 0.5] } }).hr[0].data, plain.hr[0].data);
  assert.deepEqual(makePair(src, 0, -1, opts).hr[0].data, makePair(src, 0, -1, base).hr[0].data);
  // the same (seed, epoch, image) draws the same augmentation: a resumed run sees the same data
  assert.deepEqual(makePair(src, 0, 2, opts).lr[0].data, makePair(src, 0, 2, opts).lr[0].data);
});

test("bad augmentation specs are refused with one line naming the field", () => {
  for (const [spec, re] of [
    [{ gamma: [1.5, 0.5] }, /gamma/],
    [{ contrast: [-1, 1] }, /contrast/],
    [{ invertProbability: 2 }, /invertProbability/],
    [{ scaleJitter: 0.5 }, /scaleJitter/],
  ] as [AugmentSpec, RegExp][]) {
    assert.throws(() => checkAugmentSpec(spec), (e: unknown) => e instanceof PssrError && re.test(e.message) && !e.message.includes("\n"));
  }
});
