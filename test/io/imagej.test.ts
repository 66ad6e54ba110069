// ImageJ itself (Debian's imagej 1.53t, under xvfb: headless AWT refuses its menus) opens every
// kind of TIFF pssr-lab writes, in one JVM run (test/ref/imagej_report.ijm): restored image,
// crappified low-res (pssr-em, and physical with hrPixelSizeNm), a Z stack, a 5-frame
// time-lapse hyperstack (and a T x Z x C one), restored stack and time-lapse, a kymograph, an
// error map, an ensemble mean and disagreement. Dimensions, pixel width/height and unit, Z
// spacing, frame interval and pixel values must be what we meant: calibrations against numbers
// fixed here by the setup (never read back from our own files), pixels against pssr's reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read.js";
import { writeTiff } from "../../src/io/write.js";
import type { Image } from "../../src/image/image.js";
import { repoRoot, runCli, sharedDataDir, usesTools } from "../helpers.js";

const IJ_JAR = "/usr/share/java/ij.jar";
usesTools("imagej");
const work = mkdtempSync(join(tmpdir(), "pssr-imagej-"));
test.after(() => rmSync(work, { recursive: true, force: true }));
const at = (name: string) => join(work, name);

function cli(args: string[]): void {
  const r = runCli(args);
  assert.equal(r.status, 0, `pssr ${args.join(" ")}: ${r.stderr}`);
}

/** What ImageJ must show for one file; pixel sizes in µm (ImageJ: "microns"), or seconds for yunit sec. */
interface Expect {
  w: number;
  h: number;
  c?: number;
  z?: number;
  t?: number;
  unit: "microns" | "pixels";
  pw?: number;
  ph?: number;
  yunit?: string;
  zSpacing?: number;
  finterval?: number;
}

const expected = new Map<string, Expect>();

async function makeFiles(): Promise<void> {
  const em = join(sharedDataDir, "em", "emdiffuse_demo");
  // Inputs, written by pssr's writer with calibrations chosen here.
  const liver = await readImage(join(em, "mouse_liver_0.tif"));
  await writeTiff(at("hr.tif"), { ...liver, pixelSize: { value: 4.6, unit: "nm" } });
  await writeTiff(at("raw.tif"), liver); // uncalibrated, for physical with hrPixelSizeNm
  const membrane = await readImage(join(sharedDataDir, "fluo", "timelapse", "membrane_2d_timelapse_5x256x256.tif"));
  await writeTiff(at("timelapse.tif"), { ...membrane, axes: "TYX", pixelSize: { value: 0.65, unit: "µm" }, frameIntervalS: 5 });
  expected.set("timelapse.tif", { w: 256, h: 256, t: 5, unit: "microns", pw: 0.65, ph: 0.65, finterval: 5 });
  const mito = await readImage(join(sharedDataDir, "em", "bioimageio_samples", "mitoem_ssem_32x256x256.tif"));
  const four = mito.data.subarray(0, 4 * 256 * 256);
  await writeTiff(at("stack.tif"), { ...mito, data: four, shape: [4, 256, 256], axes: "ZYX", pixelSize: { value: 8, unit: "nm" }, zSpacing: { value: 30, unit: "nm" } });
  expected.set("stack.tif", { w: 256, h: 256, z: 4, unit: "microns", pw: 0.008, ph: 0.008, zSpacing: 0.03 });
  // A T x Z x C hyperstack in pssr's axis order; ImageJ must see each plane where we put it.
  const [T, Z, C, H, W] = [5, 3, 2, 24, 32];
  const hyper: Image = {
    data: Float32Array.from({ length: T * Z * C * H * W }, (_, i) => Math.sin(i * 0.37) * 100 + Math.floor(i / (H * W)) * 1000),
    shape: [T, Z, C, H, W],
    axes: "TZCYX",
    pixelSize: { value: 0.1, unit: "µm" },
    pixelSizeY: { value: 0.12, unit: "µm" },
    zSpacing: { value: 0.3, unit: "µm" },
    frameIntervalS: 2,
    dtype: "float32",
  };
  await writeTiff(at("hyperstack.tif"), hyper);
  expected.set("hyperstack.tif", { w: W, h: H, c: C, z: Z, t: T, unit: "microns", pw: 0.1, ph: 0.12, zSpacing: 0.3, finterval: 2 });

  // What the commands write.
  cli(["crappify", at("hr.tif"), "-o", at("lr.tif"), "--recipe", "pssr-em", "--seed", "1"]);
  expected.set("lr.tif", { w: 64, h: 64, unit: "microns", pw: 0.0184, ph: 0.0184 });
  cli(["crappify", at("raw.tif"), "-o", at("lr-physical.tif"), "--recipe", "physical", "--set", "hrPixelSizeNm=65", "--seed", "1"]);
  expected.set("lr-physical.tif", { w: 64, h: 64, unit: "microns", pw: 0.26, ph: 0.26 });
  cli(["crappify", at("stack.tif"), "-o", at("stack-lr.tif"), "--recipe", "pssr-em", "--seed", "2"]);
  expected.set("stack-lr.tif", { w: 64, h: 64, z: 4, unit: "microns", pw: 0.032, ph: 0.032, zSpacing: 0.03 });
  cli(["crappify", at("timelapse.tif"), "-o", at("timelapse-lr.tif"), "--recipe", "pssr-fluo", "--seed", "3"]);
  expected.set("timelapse-lr.tif", { w: 64, h: 64, t: 5, unit: "microns", pw: 2.6, ph: 2.6, finterval: 5 });
  for (const [i, name] of ["m1", "m2"].entries()) {
    cli(["train", "--hr", em, "--out", at(name), "--epochs", "1", "--steps", "2", "--batch", "2", "--patch", "32", "--seed", String(11 + i)]);
  }
  cli(["predict", at("m1"), at("lr.tif"), "-o", at("restored.tif"), "--tile", "64", "--overlap", "16"]);
  expected.set("restored.tif", { w: 256, h: 256, unit: "microns", pw: 0.0046, ph: 0.0046 });
  cli(["predict", at("m1"), at("stack-lr.tif"), "-o", at("stack-restored.tif")]);
  expected.set("stack-restored.tif", { w: 256, h: 256, z: 4, unit: "microns", pw: 0.008, ph: 0.008, zSpacing: 0.03 });
  cli(["predict", at("m1"), at("timelapse-lr.tif"), "-o", at("timelapse-restored.tif")]);
  expected.set("timelapse-restored.tif", { w: 256, h: 256, t: 5, unit: "microns", pw: 0.65, ph: 0.65, finterval: 5 });
  cli(["predict", at("m1"), at("lr.tif"), "-o", at("ensemble-mean.tif"), "--ensemble", at("m2"), "--disagreement", at("disagreement.tif")]);
  expected.set("ensemble-mean.tif", { w: 256, h: 256, unit: "microns", pw: 0.0046, ph: 0.0046 });
  expected.set("disagreement.tif", { w: 256, h: 256, unit: "microns", pw: 0.0046, ph: 0.0046 });
  cli(["errormap", at("lr.tif"), at("restored.tif"), "-o", at("errormap.tif")]);
  expected.set("errormap.tif", { w: 64, h: 64, unit: "microns", pw: 0.0184, ph: 0.0184 });
  // A time-lapse at 0.65 µm and 5 s per frame, which once opened in ImageJ as 1 x 1 "pixel".
  cli(["kymograph", at("timelapse.tif"), "--line", "10,10,200,150", "--width", "3", "-o", at("kymograph.tif")]);
  expected.set("kymograph.tif", { w: 237, h: 5, unit: "microns", pw: 0.65, ph: 5, yunit: "sec" });
  // Without a pixel size the columns stay pixels, the rows are still seconds.
  await writeTiff(at("timelapse-uncalibrated.tif"), { ...membrane, axes: "TYX", pixelSize: null, frameIntervalS: 5 });
  cli(["kymograph", at("timelapse-uncalibrated.tif"), "--line", "10,10,200,150", "-o", at("kymograph-uncalibrated.tif")]);
  expected.set("kymograph-uncalibrated.tif", { w: 237, h: 5, unit: "pixels", pw: 1, ph: 5, yunit: "sec" });
}

interface IjPlane {
  c: number;
  z: number;
  t: number;
  mean: number;
  min: number;
  max: number;
  samples: [number, number, number][];
}
interface IjFile {
  w: number;
  h: number;
  c: number;
  z: number;
  t: number;
  unit: string;
  pw: number;
  ph: number;
  yunit: string;
  zSpacing: number;
  finterval: number;
  tunit: string;
  bits: number;
  planes: IjPlane[];
}

function runImageJ(files: string[]): Map<string, IjFile> {
  assert.ok(existsSync(IJ_JAR), `${IJ_JAR} is missing: install Debian's imagej (test/install-deps.sh)`);
  const r = spawnSync("xvfb-run", ["-a", "java", "-jar", IJ_JAR, "-batch", join(repoRoot, "test", "ref", "imagej_report.ijm"), files.join(",")], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `ImageJ failed: ${r.stderr}`);
  assert.match(r.stdout, /^DONE$/m, `ImageJ did not finish: ${r.stdout.slice(-2000)} ${r.stderr}`);
  const out = new Map<string, IjFile>();
  let current: IjFile | null = null;
  for (const line of r.stdout.split("\n")) {
    const f = line.split("\t");
    if (f[0] === "FILE") {
      const num = (i: number) => Number(f[i]);
      current = { w: num(2), h: num(3), c: num(4), z: num(5), t: num(6), unit: f[7], pw: num(8), ph: num(9), yunit: f[10], zSpacing: num(11), finterval: num(12), tunit: f[13], bits: num(14), planes: [] };
      out.set(f[1], current);
    } else if (f[0] === "PLANE" && current) {
      const samples = f.slice(7).map((s) => s.split(",").map(Number) as [number, number, number]);
      current.planes.push({ c: Number(f[1]), z: Number(f[2]), t: Number(f[3]), mean: Number(f[4]), min: Number(f[5]), max: Number(f[6]), samples });
    }
  }
  return out;
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-30);

test("ImageJ opens every kind of TIFF pssr writes with its dimensions, calibration and pixel values", async (t) => {
  await makeFiles();
  const names = [...expected.keys()];
  const t0 = Date.now();
  const ij = runImageJ(names.map(at));
  t.diagnostic(`ImageJ opened ${names.length} files in ${Date.now() - t0} ms (one JVM)`);
  for (const name of names) {
    const e = expected.get(name)!;
    const got = ij.get(at(name));
    assert.ok(got, `ImageJ reported nothing for ${name}`);
    const what = `${name} in ImageJ`;
    assert.deepEqual([got.w, got.h, got.c, got.z, got.t], [e.w, e.h, e.c ?? 1, e.z ?? 1, e.t ?? 1], `${what}: width, height, channels, slices, frames`);
    assert.equal(got.unit, e.unit, `${what}: unit`);
    if (e.pw !== undefined) assert.ok(close(got.pw, e.pw, 1e-6), `${what}: pixel width ${got.pw} vs ${e.pw}`);
    if (e.ph !== undefined) assert.ok(close(got.ph, e.ph, 1e-6), `${what}: pixel height ${got.ph} vs ${e.ph}`);
    assert.equal(got.yunit, e.yunit ?? "micron", `${what}: Y unit`);
    if (e.zSpacing !== undefined) assert.ok(close(got.zSpacing, e.zSpacing, 1e-6), `${what}: voxel depth ${got.zSpacing} vs ${e.zSpacing}`);
    assert.equal(got.finterval, e.finterval ?? 0, `${what}: frame interval`);
    if (e.finterval) assert.equal(got.tunit, "sec", `${what}: time unit`);

    // Pixels: every plane ImageJ shows at (c, z, t) is the plane pssr reads at that position.
    const ours = await readImage(at(name));
    assert.equal(got.bits, { uint8: 8, uint16: 16, float32: 32 }[ours.dtype as string], `${what}: bit depth for ${ours.dtype}`);
    const lead = ours.axes.slice(0, -2);
    const size = (l: string) => (lead.includes(l) ? ours.shape[lead.indexOf(l)] : 1);
    assert.equal(got.planes.length, size("C") * size("Z") * size("T"), `${what}: plane count`);
    for (const p of got.planes) {
      const idx: Record<string, number> = { C: p.c - 1, Z: p.z - 1, T: p.t - 1 };
      let plane = 0;
      for (const l of lead) plane = plane * size(l) + idx[l];
      const off = plane * e.w * e.h;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < e.w * e.h; i++) {
        const v = ours.data[off + i];
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const where = `${what} plane c${p.c} z${p.z} t${p.t}`;
      assert.ok(close(p.mean, sum / (e.w * e.h), 1e-7), `${where}: mean ${p.mean} vs ${sum / (e.w * e.h)}`);
      assert.ok(close(p.min, min, 1e-8) && close(p.max, max, 1e-8), `${where}: min/max ${p.min}/${p.max} vs ${min}/${max}`);
      for (const [x, y, v] of p.samples) {
        const mine = ours.data[off + y * e.w + x];
        assert.ok(close(v, mine, 1e-8), `${where} (${x}, ${y}): ImageJ ${v}, pssr ${mine}`);
      }
    }
  }
});
