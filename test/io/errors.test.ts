// Bad inputs give a typed PssrError naming the file and the problem; failed writes leave
// nothing behind (and never clobber an existing file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read.js";
import { encodeTiff, writePng, writeTiff } from "../../src/io/write.js";
import { atomicWriteFile } from "../../src/io/atomic.js";
import { TiffFile } from "../../src/io/tiff-file.js";
import { PssrError, type ErrorCode } from "../../src/errors.js";
import type { Image } from "../../src/image/image.js";
import { sharedDataDir } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "pssr-io-err-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

const shapes = (name: string) => join(sharedDataDir, "formats", "tiff_encodings_shapes", name);

async function expectError(path: string, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(readImage(path), (e: unknown) => {
    assert.ok(e instanceof PssrError, `expected a PssrError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
}

/** Sets the value of a SHORT/LONG tag in IFD 0 of a little-endian classic TIFF. */
function patchTag(bytes: Uint8Array, tag: number, value: number): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  const ifd = v.getUint32(4, true);
  const n = v.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (v.getUint16(e, true) !== tag) continue;
    if (v.getUint16(e + 2, true) === 3) v.setUint16(e + 8, value, true);
    else v.setUint32(e + 8, value, true);
    return out;
  }
  throw new Error(`tag ${tag} not found`);
}

const small: Image = { data: Float32Array.from({ length: 48 }, (_, i) => i), shape: [6, 8], axes: "YX", pixelSize: null, dtype: "float32" };

test("a path that does not exist: file-not-found", async () => {
  await expectError(join(work, "nope", "missing.tif"), "file-not-found", /no such file/);
});

test("a folder, a text file, random bytes: not-an-image", async () => {
  const folder = join(work, "a-folder.tif");
  mkdirSync(folder);
  await expectError(folder, "not-an-image", /folder/);
  await expectError(file("notes.tif", "this is not an image\n"), "not-an-image", /not a TIFF, PNG or JPEG/);
  await expectError(file("noise.png", Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 255)), "not-an-image", /not a TIFF, PNG or JPEG/);
});

test("an empty file and a TIFF of width 0: empty-image", async () => {
  await expectError(file("empty.tif", new Uint8Array(0)), "empty-image", /empty \(0 bytes\)/);
  await expectError(file("zero-width.tif", patchTag(encodeTiff(small), 256, 0)), "empty-image", /empty image \(0x6 pixels/);
});

test("truncated TIFFs: corrupt-file saying truncated or damaged", async () => {
  const full = readFileSync(join(sharedDataDir, "fluo", "bpae_mitochondria_float32", "BPAE_mito.tif"));
  await expectError(file("cut6.tif", full.subarray(0, 6)), "corrupt-file", /too short for a TIFF header/);
  await expectError(file("cut-half.tif", full.subarray(0, full.length >> 1)), "corrupt-file", /truncated/);
  const lzw = readFileSync(shapes("shapes_lzw.tif"));
  await expectError(file("cut-lzw.tif", lzw.subarray(0, lzw.length - 4000)), "corrupt-file", /truncated|damaged/);
  // IFD pointer beyond the end of the file.
  const bad = encodeTiff(small);
  new DataView(bad.buffer).setUint32(4, bad.length + 100, true);
  await expectError(file("bad-ifd.tif", bad), "corrupt-file", /past the end/);
});

test("damaged compressed data: corrupt-file", async () => {
  const src = shapes("shapes_deflate.tif");
  const bytes = new Uint8Array(readFileSync(src));
  const page = await (await TiffFile.open(src, bytes)).page(0);
  const damaged = bytes.slice();
  for (let i = 0; i < page.byteCounts[0]; i++) damaged[page.offsets[0] + i] = (i * 131 + 7) & 255;
  await expectError(file("damaged-deflate.tif", damaged), "corrupt-file", /cannot be decoded|damaged/);
});

test("damaged LZW that sends geotiff's decoder into a runaway loop (a V8 abort) is a corrupt-file error", async () => {
  // 19 bytes of shapes_lzw.tif changed, found by fuzzing: without pssr's LZW guard this aborts
  // the whole node process ("Fatal JavaScript invalid size error").
  const bytes = new Uint8Array(readFileSync(shapes("shapes_lzw.tif")));
  const patches = [
    [97, 0o41], [1479, 0o304], [1741, 0o256], [2033, 0o33], [2674, 0o233], [3409, 0o204], [3501, 0o314],
    [3938, 0o240], [5347, 0o111], [5960, 0o344], [6684, 0o137], [7030, 0o212], [7199, 0o232], [7901, 0o351],
    [8074, 0o153], [9087, 0o65], [9119, 0o356], [10370, 0o177], [10612, 0o353],
  ];
  for (const [at, value] of patches) bytes[at] = value;
  await expectError(file("lzw-runaway.tif", bytes), "corrupt-file", /LZW data cannot be decoded \(LZW code \d+ is not in the dictionary/);
});

test("an unsupported compression (JPEG 2000) or sample type: unsupported-format", async () => {
  await expectError(file("j2k.tif", patchTag(encodeTiff(small), 259, 34712)), "unsupported-format", /JPEG 2000 compression is not supported/);
  // 24-bit signed integers.
  const s24 = patchTag(patchTag(encodeTiff(small, { dtype: "uint8" }), 258, 24), 339, 2);
  await expectError(file("int24.tif", s24), "unsupported-format", /24-bit samples/);
});

test("a truncated PNG: corrupt-file", async () => {
  const png = join(work, "ok.png");
  await writePng(png, { data: Float32Array.from({ length: 64 * 64 }, (_, i) => i % 97), height: 64, width: 64 });
  const bytes = readFileSync(png);
  await expectError(file("cut.png", bytes.subarray(0, bytes.length >> 1)), "corrupt-file", /truncated or damaged|cannot/);
});

test("failed writes leave no file and no temporary behind, and keep an existing file", async () => {
  const dir = mkdtempSync(join(work, "w-"));
  // Missing folder.
  await assert.rejects(writeTiff(join(dir, "no", "such", "x.tif"), small), (e: unknown) => e instanceof PssrError && e.code === "file-not-found" && /does not exist/.test(e.message));
  // The destination is a folder: the rename fails after the temporary file was written.
  mkdirSync(join(dir, "taken.tif"));
  writeFileSync(join(dir, "taken.tif", "keep"), "x");
  await assert.rejects(writeTiff(join(dir, "taken.tif"), small), (e: unknown) => e instanceof PssrError && e.message.includes("taken.tif"));
  assert.deepEqual(readdirSync(join(dir, "taken.tif")), ["keep"]);
  // A failed conversion does not touch the existing file.
  const target = join(dir, "existing.tif");
  await writeTiff(target, small);
  const before = readFileSync(target);
  const nan = { ...small, data: small.data.map((v, i) => (i === 7 ? NaN : v)) };
  await assert.rejects(writeTiff(target, nan, { dtype: "uint16" }), (e: unknown) => e instanceof PssrError && e.code === "non-finite-pixels");
  assert.deepEqual(readFileSync(target), before);
  // A producer failing mid-way: no target, no temporary.
  await assert.rejects(
    atomicWriteFile(join(dir, "half.bin"), function* () {
      yield new Uint8Array(1000);
      throw new Error("disk on fire");
    }),
    /disk on fire/,
  );
  assert.deepEqual(readdirSync(dir).sort(), ["existing.tif", "taken.tif"]);
});

test("a file copied under another name still reads (the name is not trusted)", async () => {
  const p = join(work, "renamed.dat");
  copyFileSync(shapes("shapes_zstd.tif"), p);
  const img = await readImage(p);
  assert.deepEqual(img.shape, [3, 72, 128]);
});
