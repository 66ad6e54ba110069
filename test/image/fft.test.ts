// The one 2D FFT (FFT convolution, FRC) against numpy.fft.fft2, and its unnormalised inverse.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fft2d } from "../../src/image/fft.js";
import { PssrError } from "../../src/errors.js";
import { runPython } from "../helpers.js";

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5;
}

for (const n of [2, 8, 32]) {
  test(`fft2d ${n}x${n} equals numpy.fft.fft2; the inverse (divided by n²) gives the input back`, () => {
    const r = seeded(n);
    const re = Array.from({ length: n * n }, r);
    const im = Array.from({ length: n * n }, r);
    const z = new Float64Array(2 * n * n);
    for (let i = 0; i < n * n; i++) [z[2 * i], z[2 * i + 1]] = [re[i], im[i]];
    const input = Float64Array.from(z);
    fft2d(z, n);
    const ref = JSON.parse(runPython("fft2.py", [], JSON.stringify({ n, re, im }))) as { re: number[]; im: number[] };
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(z[2 * i] - ref.re[i]), Math.abs(z[2 * i + 1] - ref.im[i]));
    assert.ok(worst < 1e-10, `max |ours - numpy| ${worst}`);
    fft2d(z, n, true);
    let back = 0;
    for (let i = 0; i < z.length; i++) back = Math.max(back, Math.abs(z[i] / (n * n) - input[i]));
    assert.ok(back < 1e-12, `round trip error ${back}`);
  });
}

test("fft2d refuses a size that is not a power of two, or an array of the wrong length", () => {
  assert.throws(() => fft2d(new Float64Array(2 * 36), 6), PssrError);
  assert.throws(() => fft2d(new Float64Array(10), 4), PssrError);
});
