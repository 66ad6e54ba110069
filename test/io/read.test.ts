// Every TIFF in ../shared/data (and TIFF variants tifffile writes for the cases the shared data
// lacks) read by pssr and compared pixel for pixel, and in shape/axes/dtype/pixel size, with
// what tifffile reads (test/ref/tiff_read.py, test/ref/tiff_make.py say how each is read).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { readImage, readImageInfo } from "../../src/io/read.js";
import { lengthToNm, type Image } from "../../src/image/image.js";
import { runPython, sharedDataDir } from "../helpers.js";
import { readNpy, type NpyArray } from "./npy.js";

const work = mkdtempSync(join(tmpdir(), "pssr-io-read-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : /\.tiff?$/i.test(name) ? [p] : [];
    });
}

interface RefLine {
  file: string;
  npy?: string;
  axes: string;
  dtype: string;
  shape: number[];
  pixelSizeNm: number | null;
  zSpacingNm?: number | null;
  frameIntervalS?: number | null;
  how?: string;
  error?: string;
}

function maxAbsDiff(img: Image, ref: NpyArray): number {
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const a = img.data[i];
    const b = ref.data[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

function pixelNm(img: Image): number | null {
  return img.pixelSize ? lengthToNm(img.pixelSize) : null;
}

function assertClose(actual: number | null, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual, null, `${what}: expected unknown, got ${actual}`);
    return;
  }
  assert.ok(actual !== null, `${what}: expected ${expected}, got unknown`);
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.abs(expected), `${what}: ${actual} vs tifffile ${expected}`);
}

const sharedFiles = walk(sharedDataDir);
const sharedRefs: RefLine[] = runPython("tiff_read.py", [work, ...sharedFiles])
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

test("the shared data has TIFF files to read", () => {
  assert.ok(sharedFiles.length >= 40, `only ${sharedFiles.length} TIFF files under ${sharedDataDir}`);
  assert.equal(sharedRefs.length, sharedFiles.length);
});

const agreement: string[] = [];

for (const ref of sharedRefs) {
  const name = relative(sharedDataDir, ref.file);
  test(`reads ${name} as tifffile does`, async (t) => {
    assert.equal(ref.error, undefined, `reference failed: ${ref.error}`);
    const img = await readImage(ref.file);
    const expected = readNpy(ref.npy!);
    assert.deepEqual(img.shape, expected.shape, "shape");
    assert.equal(img.axes, ref.axes, "axes");
    assert.equal(img.dtype, ref.dtype, "dtype");
    const diff = maxAbsDiff(img, expected);
    agreement.push(`${name}: max |pssr - tifffile| = ${diff} (${ref.how})`);
    t.diagnostic(`max abs diff ${diff} via ${ref.how}`);
    // Exact for every file, JPEG included: pssr decodes TIFF-JPEG with libjpeg-turbo (through
    // sharp), as libtiff's tiffcp does for the reference.
    assert.equal(diff, 0, `max abs diff ${diff}`);
    assertClose(pixelNm(img), ref.pixelSizeNm, "pixel size (nm)");
    const info = await readImageInfo(ref.file);
    assert.deepEqual([info.shape, info.axes, info.dtype, info.pixelSize], [img.shape, img.axes, img.dtype, img.pixelSize], "readImageInfo agrees");
  });
}

test("a Micro-Manager OME-TIFF's second position (series 1) reads as its OME TiffData pages", async () => {
  const mm = sharedFiles.find((f) => /MMStack\.ome\.tif$/.test(f));
  assert.ok(mm, "Micro-Manager file in the shared data");
  const [ref] = runPython("tiff_read.py", [work, `${mm}::1`]).trim().split("\n").map((l) => JSON.parse(l) as RefLine);
  const img = await readImage(mm, { series: 1 });
  const expected = readNpy(ref.npy!);
  assert.deepEqual(img.shape, expected.shape);
  assert.equal(img.axes, ref.axes);
  assert.equal(maxAbsDiff(img, expected), 0);
  const first = await readImage(mm);
  assert.notDeepEqual(Array.from(first.data.subarray(0, 100)), Array.from(img.data.subarray(0, 100)), "positions differ");
  assert.equal(first.frameIntervalS, 5, "OME TimeIncrement 5000 ms");
  await assert.rejects(readImage(mm, { series: 2 }), /series 2 does not exist/);
});

test("pages that differ from the first (size or colour type) are left out and counted", async () => {
  const size = await readImage(join(sharedDataDir, "formats", "tiff_encodings_shapes", "shapes_multi_size.tif"));
  assert.deepEqual(size.shape, [3, 72, 128]);
  assert.equal((size.meta?.source as { ignoredPages?: number }).ignoredPages, 1);
  const color = await readImage(join(sharedDataDir, "formats", "tiff_encodings_shapes", "shapes_multi_color.tif"));
  assert.equal((color.meta?.source as { ignoredPages?: number }).ignoredPages, 4);
});

test("the OME companion file reads as the volume its TIFF parts hold", async () => {
  const companion = join(sharedDataDir, "formats", "ome_multifile_companion", "multifile.companion.ome");
  const part = sharedRefs.find((r) => r.file.endsWith("multifile-Z1.ome.tiff"))!;
  const img = await readImage(companion);
  const expected = readNpy(part.npy!);
  assert.deepEqual(img.shape, expected.shape);
  assert.equal(img.axes, "ZYX");
  assert.equal(maxAbsDiff(img, expected), 0);
});

test("TIFF variants written by tifffile/libtiff read back with their values and calibration", async (t) => {
  const dir = mkdtempSync(join(work, "made-"));
  const refs: RefLine[] = runPython("tiff_make.py", [dir]).trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(refs.length >= 10);
  for (const ref of refs) {
    const img = await readImage(ref.file);
    const expected = readNpy(ref.npy!);
    const what = relative(dir, ref.file);
    assert.deepEqual(img.shape, expected.shape, `${what}: shape`);
    assert.equal(img.axes, ref.axes, `${what}: axes`);
    assert.equal(img.dtype, ref.dtype, `${what}: dtype`);
    const diff = maxAbsDiff(img, expected);
    t.diagnostic(`${what}: max abs diff ${diff}`);
    agreement.push(`(made) ${what}: max |pssr - tifffile| = ${diff}`);
    assert.equal(diff, 0, `${what}: max abs diff ${diff}`);
    assertClose(pixelNm(img), ref.pixelSizeNm, `${what}: pixel size`);
    assertClose(img.zSpacing ? lengthToNm(img.zSpacing) : null, ref.zSpacingNm, `${what}: z spacing`);
    assertClose(img.frameIntervalS ?? null, ref.frameIntervalS, `${what}: frame interval`);
  }
});

test.after(() => {
  if (process.env.PSSR_IO_AGREEMENT) console.log(agreement.join("\n"));
});
