// Truncated multi-page TIFFs (the metadata promises more planes than the file holds) and the
// rule for what a resolution tag means (a microscope calibration or a photo's print density).
// The files are written by tifffile (test/ref/tiff_cases.py); pixels are compared with what
// tifffile reads from the complete file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage, readImageInfo } from "../../src/io/read.js";
import { writePng } from "../../src/io/write.js";
import { lengthToNm } from "../../src/image/image.js";
import { PssrError } from "../../src/errors.js";
import { runCli, runPython, sharedDataDir } from "../helpers.js";
import { readNpy } from "./npy.js";

const work = mkdtempSync(join(tmpdir(), "pssr-io-partial-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  file: string;
  npy?: string;
  planes?: number;
  cut?: boolean;
  source?: string;
  pixelNm?: number | null;
  ignored?: boolean;
}
const timelapse = join(sharedDataDir, "fluo", "timelapse", "membrane_2d_timelapse_5x256x256.tif");
const cases: Case[] = runPython("tiff_cases.py", [work, timelapse])
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));
const byName = (n: string) => cases.find((c) => c.name === n)!;

const truncated = cases.filter((c) => c.cut);

test("the truncated cases are all there", () => {
  assert.deepEqual(truncated.map((c) => c.name).sort(), ["ij_timelapse_half.tif", "ome.ome_half.tif", "ome_2of5.ome.tif", "plain_half.tif", "shaped_half.tif"]);
});

for (const c of truncated) {
  test(`${c.name} (${c.source}): fails naming expected vs found; allowPartial reads the complete planes with a warning`, async () => {
    await assert.rejects(readImage(c.file), (e: unknown) => {
      assert.ok(e instanceof PssrError, String(e));
      assert.equal(e.code, "corrupt-file");
      assert.ok(!e.message.includes("\n"), "one line");
      assert.match(e.message, /^.*: truncated: /);
      if (c.source === "IFD chain") assert.match(e.message, /continues past the end of the file but only \d planes? can be read/);
      else if (c.source === "lost description") assert.match(e.message, /IFD 0's ImageDescription \(\d+ bytes at byte \d+\) runs past the end of the file .* its metadata is lost/);
      else assert.match(e.message, /promises 5 planes but only \d planes? can be read/);
      assert.match(e.message, /--allow-partial/);
      return true;
    });
    await assert.rejects(readImageInfo(c.file), /truncated/, "readImageInfo judges the same");
    const warnings: string[] = [];
    const img = await readImage(c.file, { allowPartial: true, onWarning: (m) => warnings.push(m) });
    // The lost OME-XML warns once for the metadata, then once for the pages.
    assert.equal(warnings.length, c.source === "lost description" ? 2 : 1, warnings.join("\n"));
    assert.match(warnings.at(-1)!, /truncated: .* reading the \d complete ones/);
    const full = readNpy(c.npy!);
    const n = img.shape.length === 3 ? img.shape[0] : 1;
    assert.ok(n >= 1 && n < 5, `${n} planes`);
    assert.deepEqual(img.shape.slice(-2), [256, 256]);
    const partial = (img.meta?.source as { partial?: { expected: number | null; found: number } }).partial;
    assert.equal(partial?.found, n);
    assert.equal(partial?.expected, c.source === "IFD chain" || c.source === "lost description" ? null : 5);
    // The planes read are the first n planes of the complete file, value for value.
    const plane = 256 * 256;
    let diff = 0;
    for (let i = 0; i < n * plane; i++) diff = Math.max(diff, Math.abs(img.data[i] - full.data[i]));
    assert.equal(diff, 0);
    if (c.name === "ij_timelapse_half.tif") {
      // Half of a 5-frame time-lapse holds 2 whole frames.
      assert.equal(img.axes, "TYX");
      assert.equal(n, 2);
      assert.equal(img.frameIntervalS, 5);
    }
  });
}

test("the complete files still read without a word", async () => {
  for (const name of ["ij_timelapse.tif", "shaped.tif", "ome.ome.tif", "plain.tif"]) {
    const warnings: string[] = [];
    const img = await readImage(join(work, name), { onWarning: (m) => warnings.push(m) });
    assert.equal(img.shape[0], 5, name);
    assert.deepEqual(warnings, []);
  }
});

test("a tiny ImageJ file with a zero byte count and images=10^12: one error at once, not a loop", async () => {
  const { encodeTiff } = await import("../../src/io/write.js");
  const bytes = encodeTiff({ data: new Uint8Array(16), shape: [4, 4], axes: "YX", pixelSize: null, dtype: "uint8" });
  const text = new TextDecoder().decode(bytes);
  const at = text.indexOf("images=1\nloop=false\n");
  assert.ok(at > 0);
  const patched = bytes.slice();
  patched.set(new TextEncoder().encode("images=999999999999\n"), at); // 10^12 planes promised, the file has one
  const v = new DataView(patched.buffer);
  const n = v.getUint16(8, true);
  for (let i = 0; i < n; i++) if (v.getUint16(10 + 12 * i, true) === 279) v.setUint32(10 + 12 * i + 8, 0, true);
  const file = join(work, "zero-count.tif");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, patched);
  const t0 = Date.now();
  await assert.rejects(readImage(file, { allowPartial: true, onWarning: () => undefined }), (e: unknown) => e instanceof PssrError && e.code === "corrupt-file");
  assert.ok(Date.now() - t0 < 1000);
});

test("pssr on a truncated file: one line and exit 1, nothing written; --allow-partial reads it with a warning", () => {
  const half = byName("ij_timelapse_half.tif").file;
  const info = runCli(["info", half]);
  assert.equal(info.status, 1, info.stderr);
  assert.equal(info.stderr.trim().split("\n").length, 1, info.stderr);
  assert.match(info.stderr, /promises 5 planes but only 2 planes can be read/);
  const out = join(work, "lr.tif");
  const cr = runCli(["crappify", half, "-o", out, "--recipe", "pssr-em", "--seed", "1"]);
  assert.equal(cr.status, 1, cr.stderr);
  assert.ok(!existsSync(out), "no output from a truncated input");
  for (const args of [["--allow-partial", "info", half], ["info", half, "--allow-partial"]]) {
    const ok = runCli(args);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /2 x 256 x 256 \(TYX\)/);
    assert.match(ok.stderr, /^warning: .*truncated: .* reading the 2 complete ones/m);
  }
  const cr2 = runCli(["crappify", half, "-o", out, "--recipe", "pssr-em", "--seed", "1", "--allow-partial"]);
  assert.equal(cr2.status, 0, cr2.stderr);
  assert.ok(existsSync(out));
});

test("resolution tags: print densities (72/96/300 dpi, inch or cm) are no pixel size; microscope calibrations are", async () => {
  const res = cases.filter((c) => c.pixelNm !== undefined);
  assert.ok(res.length >= 12);
  for (const c of res) {
    const img = await readImageInfo(c.file);
    const got = img.pixelSize ? lengthToNm(img.pixelSize) : null;
    if (c.pixelNm === null) assert.equal(got, null, `${c.name}: expected unknown, got ${got} nm`);
    else assert.ok(got !== null && Math.abs(got - c.pixelNm!) <= 1e-6 * c.pixelNm!, `${c.name}: ${got} nm vs ${c.pixelNm}`);
    const ignored = (img.meta?.source as { ignoredResolution?: string }).ignoredResolution;
    assert.equal(ignored !== undefined, c.ignored, `${c.name}: ignoredResolution ${ignored}`);
  }
  const photo = await readImageInfo(byName("photo_96dpi.tif").file);
  assert.match((photo.meta!.source as { ignoredResolution: string }).ignoredResolution, /^96 dpi/);
  // The shared data's BigTIFF photo (96 dpi) was read as a 264.583 um pixel before.
  const hopper = await readImageInfo(join(sharedDataDir, "formats", "bigtiff", "hopper_bigtiff.tif"));
  assert.equal(hopper.pixelSize, null);
  const cli = runCli(["info", byName("photo_300dpi.tif").file]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.doesNotMatch(cli.stdout, /84\.6/);
});

test("a PNG's print density (sharp writes 96 dpi) is no pixel size; a microscope-fine one is", async () => {
  const plane = { data: Float32Array.from({ length: 64 }, (_, i) => i), height: 8, width: 8 };
  const p = join(work, "density.png");
  await writePng(p, plane);
  const sharp = (await import("sharp")).default;
  for (const [dpi, nm] of [[96, null], [300, null], [254000, 100]] as const) {
    const q = join(work, `density-${dpi}.png`);
    await sharp(p).withMetadata({ density: dpi }).png().toFile(q);
    const img = await readImageInfo(q);
    const got = img.pixelSize ? lengthToNm(img.pixelSize) : null;
    if (nm === null) assert.equal(got, null, `${dpi} dpi`);
    else assert.ok(got !== null && Math.abs(got - nm) < 1, `${dpi} dpi: ${got}`);
  }
});
