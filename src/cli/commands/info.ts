// `pssr info FILE... [--json] [--series N]`: shape, axes, dtype, pixel size and min/max/mean of
// each image file. The first unreadable file stops the command with one line and exit code 1.
import type { Image, Length } from "../../image/image.js";
import { readImage } from "../../io/read.js";
import { intOption, parseCommandArgs } from "../args.js";
import { invalidArgument } from "../../errors.js";


const usage = `usage: pssr info FILE... [--json] [--series N]

Reads each image (TIFF, OME-TIFF, ImageJ hyperstack, PNG, JPEG) and prints its shape, axes,
sample type, pixel size (or "unknown") and the min, max and mean of its pixels.
  --json       one JSON object {shape, axes, dtype, pixelSize, pixelSizeY, zSpacing,
               frameIntervalS, rowIntervalS, min, max, mean} (null where the file states
               none; pixelSizeY only when it differs from X); for several
               files an array of such objects, each with its "file"
  --series N   which OME image (e.g. Micro-Manager position) to read; default 0`;

export interface ImageStats {
  shape: number[];
  axes: string;
  dtype: string;
  pixelSize: { value: number; unit: string } | null;
  pixelSizeY: { value: number; unit: string } | null;
  zSpacing: { value: number; unit: string } | null;
  frameIntervalS: number | null;
  /** A kymograph's rows: seconds between them. */
  rowIntervalS: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/** Summary numbers over the finite pixels (null when there are none). */
export function imageStats(img: Image): ImageStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return {
    shape: [...img.shape],
    axes: img.axes,
    dtype: img.dtype,
    pixelSize: lengthJson(img.pixelSize),
    pixelSizeY: lengthJson(img.pixelSizeY),
    zSpacing: lengthJson(img.zSpacing),
    frameIntervalS: img.frameIntervalS ?? null,
    rowIntervalS: img.rowIntervalS ?? null,
    min: n ? min : null,
    max: n ? max : null,
    mean: n ? sum / n : null,
  };
}

function lengthJson(l: Length | null | undefined): { value: number; unit: string } | null {
  return l ? { value: l.value, unit: l.unit } : null;
}

function formatLength(l: Length | null | undefined): string {
  return l ? `${Number(l.value.toPrecision(6))} ${l.unit}` : "unknown";
}

function formatNumber(v: number | null): string {
  if (v === null) return "n/a";
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" }, series: { type: "string" } }, usage);
  if (!parsed) return 0;
  const files = parsed.positionals;
  if (files.length === 0) throw invalidArgument(`no file given`);
  const series = intOption(parsed.values.series, "series", 0, 0);
  const results: (ImageStats & { file: string })[] = [];
  for (const file of files) {
    const img = await readImage(file, { series });
    const stats = imageStats(img);
    if (parsed.values.json) {
      results.push({ file, ...stats });
      continue;
    }
    const extras: string[] = [];
    if (img.pixelSizeY) extras.push(`Y ${formatLength(img.pixelSizeY)}`);
    if (img.zSpacing) extras.push(`Z spacing ${formatLength(img.zSpacing)}`);
    if (img.frameIntervalS) extras.push(`frame interval ${formatNumber(img.frameIntervalS)} s`);
    if (img.rowIntervalS) extras.push(`rows ${formatNumber(img.rowIntervalS)} s apart`);
    const ignored = (img.meta?.source as { ignoredResolution?: string } | undefined)?.ignoredResolution;
    if (ignored) extras.push(`resolution tag ${ignored} ignored: a print setting`);
    console.log(file);
    console.log(`  shape      ${img.shape.join(" x ")} (${img.axes})`);
    console.log(`  dtype      ${img.dtype}`);
    console.log(`  pixel size ${formatLength(img.pixelSize)}${extras.length ? `  (${extras.join(", ")})` : ""}`);
    console.log(`  min ${formatNumber(stats.min)}  max ${formatNumber(stats.max)}  mean ${formatNumber(stats.mean)}`);
  }
  if (parsed.values.json) {
    if (results.length === 1) {
      const { file: _file, ...single } = results[0];
      console.log(JSON.stringify(single, null, 2));
    } else {
      console.log(JSON.stringify(results, null, 2));
    }
  }
  return 0;
}
