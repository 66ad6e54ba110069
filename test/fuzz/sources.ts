// Extra fuzz sources written by pssr itself: an ImageJ T x Z x C hyperstack, a PNG and a JPEG
// of an EM sample (so every reader path has real input to mutate).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { readImage } from "../../src/io/read.js";
import { writePng, writeTiff } from "../../src/io/write.js";
import { getPlane } from "../../src/image/image.js";
import { sharedDataDir } from "../helpers.js";

export async function fuzzExtraSources(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const em = await readImage(join(sharedDataDir, "em", "emdiffuse_demo", "mouse_liver_0.tif"));
  const hyper = join(dir, "pssr_hyperstack.tif");
  const n = 2 * 3 * 2 * 32 * 40;
  await writeTiff(hyper, {
    data: Uint16Array.from({ length: n }, (_, i) => (i * 31) % 4096),
    shape: [2, 3, 2, 32, 40],
    axes: "TZCYX",
    pixelSize: { value: 0.1, unit: "µm" },
    zSpacing: { value: 0.5, unit: "µm" },
    frameIntervalS: 3,
    dtype: "uint16",
  });
  const png = join(dir, "mouse_liver_0.png");
  await writePng(png, getPlane(em));
  const jpg = join(dir, "mouse_liver_0.jpg");
  await sharp(Buffer.from(em.data as Uint8Array), { raw: { width: 256, height: 256, channels: 1 } }).jpeg({ quality: 90 }).toFile(jpg);
  return [hyper, png, jpg];
}
