// Fidelity of the PSSR recipes to a Python reference built on Debian's scikit-image/scipy
// (test/ref/crappify_ref.py: the same random_noise / filters.gaussian / rescale / zoom calls as
// BPHO-Salk/PSSR utils/crappifiers.py), on real crops. The random streams differ, so the check
// is statistical: over 512 seeds (fewer leave the EM means too noisy to correlate at 0.99) the mean output correlates > 0.99 with the reference's mean and
// the noise standard deviation per intensity bin is within 10%.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crappify, type CrappifyResult } from "../../src/crappify/index.js";
import type { Image } from "../../src/image/image.js";
import { correlation, meanStd, noiseStdPerBin, refImageU8, refPlane, reference } from "./util.js";

const N_SEEDS = 512;

function ours(
  input: Image,
  recipe: string,
  pick: (r: CrappifyResult) => Image,
  unit = 1,
  params: Record<string, number> = {},
): { mean: Float64Array; std: Float64Array } {
  const outs: Float32Array[] = [];
  for (let s = 0; s < N_SEEDS; s++) {
    const img = pick(crappify(input, recipe, { seed: 5000 + s, params }));
    outs.push(Float32Array.from(img.data, (v) => v / unit));
  }
  return meanStd(outs);
}

function compare(label: string, mine: { mean: Float64Array; std: Float64Array }, refName: string, minStd: number): string {
  const refMean = refPlane(`${refName}_mean`).data;
  const refStd = refPlane(`${refName}_std`).data;
  assert.equal(mine.mean.length, refMean.length, `${label}: output size`);
  const r = correlation(mine.mean, refMean);
  assert.ok(r > 0.99, `${label}: mean output correlates ${r.toFixed(4)} with the reference's (need > 0.99)`);
  const bins = noiseStdPerBin(refMean, mine.std, refStd);
  let compared = 0;
  let worst = 0;
  for (const b of bins) {
    if (b.b < minStd) {
      assert.ok(b.a < 2 * minStd, `${label}: bin from ${b.lo.toFixed(3)}: reference noise ~0 but ours ${b.a}`);
      continue;
    }
    compared++;
    const rel = Math.abs(b.a / b.b - 1);
    worst = Math.max(worst, rel);
    assert.ok(rel <= 0.1, `${label}: bin from ${b.lo.toFixed(3)}: noise std ${b.a.toFixed(4)} vs reference ${b.b.toFixed(4)} (${(100 * rel).toFixed(1)}% off)`);
  }
  assert.ok(compared >= 4, `${label}: only ${compared} bins had noise to compare`);
  return `${label}: mean correlation ${r.toFixed(4)}, worst noise-std bin ${(100 * worst).toFixed(1)}% off`;
}

test("reference runs", () => {
  reference(N_SEEDS, 128);
});

test("pssr-fluo (new_crap_AG_SP) on a real fluorescence crop matches skimage statistically", (t) => {
  t.diagnostic(compare("pssr-fluo/fluo", ours(refImageU8("fluo_in"), "pssr-fluo", (r) => r.lr), "pssr_fluo_fluo", 0.05));
});

test("pssr-fluo on a real EM crop matches skimage statistically", (t) => {
  t.diagnostic(compare("pssr-fluo/em", ours(refImageU8("em_in"), "pssr-fluo", (r) => r.lr), "pssr_fluo_em", 0.05));
});

test("pssr-em (em_AG_D_sameas_preprint) matches scipy zoom + skimage localvar, LR and x4 upsampled", (t) => {
  const em = refImageU8("em_in");
  t.diagnostic(compare("pssr-em/lr", ours(em, "pssr-em", (r) => r.lr, 255), "pssr_em_em", 1e-4));
  t.diagnostic(compare("pssr-em/up", ours(em, "pssr-em", (r) => r.lrUpsampled!, 255), "pssr_em_em_up", 1e-4));
});

test("pssr-2019 (default_crap) matches rescale + numpy Poisson/normal statistically", (t) => {
  t.diagnostic(compare("pssr-2019/fluo", ours(refImageU8("fluo_in"), "pssr-2019", (r) => r.lr), "pssr_2019_fluo", 0.05));
});

test("pssr2 with the PSSR2 notebook's crappifier (Poisson 1.2, salt and pepper 0.5%) matches Pillow + numpy + skimage statistically", (t) => {
  const params = { poissonIntensity: 1.2, saltPepperPercent: 0.5 };
  t.diagnostic(compare("pssr2/fluo", ours(refImageU8("fluo_in"), "pssr2", (r) => r.lr, 1, params), "pssr2_fluo", 0.05));
});
