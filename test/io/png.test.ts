// PNG previews (sharp-encoded, decoded by PIL against numpy's auto-contrast) and PNG/JPEG
// reading (pssr via sharp vs PIL).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePng, writePng } from "../../src/io/write.js";
import { readImage } from "../../src/io/read.js";
import { getPlane, lengthToNm, type Plane } from "../../src/image/image.js";
import { runPython, sharedDataDir } from "../helpers.js";
import { readNpy } from "./npy.js";

const work = mkdtempSync(join(tmpdir(), "pssr-io-png-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** Saves a plane as a float32 .npy for the Python side. */
function saveNpy(path: string, plane: Plane): void {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${plane.height}, ${plane.width}), }`;
  const total = 10 + header.length + 1;
  const padded = header + " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(padded.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(padded, "latin1"), Buffer.from(plane.data.buffer, plane.data.byteOffset, plane.data.byteLength)]));
}

interface ContrastCheck {
  shape: number[];
  mode: string;
  maxDiff: number;
  mismatches: number;
}

function check(png: string, plane: Plane, low: number, high: number): ContrastCheck {
  const src = `${png}.npy`;
  saveNpy(src, plane);
  return JSON.parse(runPython("io_png.py", ["contrast", png, src, String(low), String(high)]));
}

test("encodePng of a float32 micrograph decodes (PIL) to numpy's 0.35/99.65 % auto-contrast", async () => {
  const img = await readImage(join(sharedDataDir, "fluo", "bpae_mitochondria_float32", "BPAE_mito.tif"));
  const plane = getPlane(img);
  const png = join(work, "bpae.png");
  writeFileSync(png, await encodePng(plane));
  const r = check(png, plane, 0.35, 99.65);
  assert.deepEqual(r.shape, [680, 1100]);
  assert.equal(r.mode, "L", "8-bit greyscale");
  assert.equal(r.maxDiff, 0, `${r.mismatches} pixels differ`);
});

test("writePng of a uint16 image plane with custom percentiles matches numpy", async () => {
  const img = await readImage(join(sharedDataDir, "fluo", "timelapse", "membrane_2d_timelapse_5x256x256.tif"));
  const png = join(work, "membrane_t3.png");
  await writePng(png, img, { plane: 3, lowPercentile: 2, highPercentile: 98 });
  const r = check(png, getPlane(img, 3), 2, 98);
  assert.deepEqual(r.shape, [256, 256]);
  assert.equal(r.maxDiff, 0, `${r.mismatches} pixels differ`);
});

test("non-finite pixels and flat planes map to black", async () => {
  const data = new Float32Array(64).map((_, i) => i);
  data[5] = NaN;
  data[6] = Infinity;
  const png = join(work, "nan.png");
  await writePng(png, { data, height: 8, width: 8 });
  const r = check(png, { data, height: 8, width: 8 }, 0.35, 99.65);
  assert.equal(r.maxDiff, 0);
  const flat = join(work, "flat.png");
  await writePng(flat, { data: new Float32Array(16).fill(7), height: 4, width: 4 });
  const back = await readImage(flat);
  assert.deepEqual(Array.from(back.data), new Array(16).fill(0));
});

test("PNG and JPEG files read (sharp) as PIL decodes them", async (t) => {
  const dir = mkdtempSync(join(work, "pil-"));
  const refs: { file: string; npy: string; axes: string; dtype: string; pixelSizeNm: number | null }[] = runPython("io_png.py", ["make", dir])
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(refs.length, 7);
  for (const ref of refs) {
    const img = await readImage(ref.file);
    const expected = readNpy(ref.npy);
    assert.deepEqual(img.shape, expected.shape, ref.file);
    assert.equal(img.axes, ref.axes, ref.file);
    assert.equal(img.dtype, ref.dtype, ref.file);
    if (ref.pixelSizeNm === null) assert.equal(img.pixelSize, null, `${ref.file}: no pHYs, no pixel size`);
    else assert.ok(img.pixelSize && Math.abs(lengthToNm(img.pixelSize) - ref.pixelSizeNm) < 1e-6, `${ref.file}: pHYs pixel size ${JSON.stringify(img.pixelSize)}`);
    let worst = 0;
    for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(img.data[i] - expected.data[i]));
    t.diagnostic(`${ref.file.slice(dir.length + 1)}: max abs diff ${worst}`);
    // Both decoders are libjpeg-turbo (PIL's libjpeg 6.2 API build, sharp's mozjpeg fork) with
    // the same default IDCT and upsampling, so JPEG too is expected to match exactly.
    assert.equal(worst, 0, `${ref.file}: max abs diff ${worst}`);
  }
});
