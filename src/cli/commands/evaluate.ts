// `pssr evaluate PRED GT [--baseline LR_UPSAMPLED] [--raw] [--data-range R] [--pixel-size NM] [--json]`:
// PSNR, SSIM, NRMSE and MS-SSIM of a restoration against its ground truth, by the CARE/PSSR
// protocol (normMinMse, data range 1) unless --raw. Stacks are scored plane by plane.
import type { Image } from "../../image/image.js";
import { planes } from "../../image/image.js";
import { DTYPE_RANGE } from "../../image/dtype.js";
import { evaluate, type EvaluateResult } from "../../metrics/pixel.js";
import { invalidArgument, PssrError } from "../../errors.js";
import { numberOption, parseCommandArgs } from "../args.js";
import { parseSelection, readSelected, SELECT_USAGE, SELECT_OPTIONS } from "../select.js";


const usage = `usage: pssr evaluate PRED GT [--baseline LR_UPSAMPLED] [--raw] [--data-range R] [--pixel-size NM] [--json]

Scores PRED (and optionally a baseline such as the bilinear-upsampled low-res input) against GT.
By default the CARE/PSSR protocol: GT percentile-normalised (0.1/99.9), both zero-meaned, the
prediction scaled by least squares onto GT, then metrics with data range 1. Stacks with the same
number of planes are scored plane by plane ("planes") and averaged.
  --raw            score the raw values (data range from GT's sample type, or --data-range)
  --data-range R   data range for --raw with float images
  --pixel-size NM  recorded in the output (the metrics themselves are per pixel)
  --json           print {"psnr","ssim","nrmse","msssim", ...} (+ "baseline": {...})
${SELECT_USAGE}
                   (applied to each file that has the axis)`;


/** An integer type's data range (highest minus lowest value); undefined for float types. */
function dtypeSpan(dtype: Image["dtype"]): number | undefined {
  const r = DTYPE_RANGE[dtype];
  return r ? r[1] - r[0] : undefined;
}

type Scores = Omit<EvaluateResult, "normalization" | "dataRange">;

function score(pred: Image, gt: Image, predPath: string, gtPath: string, raw: boolean, dataRange: number | undefined): { mean: Scores; planes: Scores[] | null } {
  const p = planes(pred);
  const g = planes(gt);
  if (p.length !== g.length) {
    throw new PssrError("shape-mismatch", `${predPath} has ${p.length} planes but ${gtPath} has ${g.length}`);
  }
  if (p[0].height !== g[0].height || p[0].width !== g[0].width) {
    throw new PssrError("shape-mismatch", `${predPath} is ${p[0].height}x${p[0].width} but ${gtPath} is ${g[0].height}x${g[0].width} (height x width); they must be the same shape`);
  }
  const per = p.map((pl, i) => {
    const r = evaluate(pl, g[i], { raw, dataRange });
    return { psnr: r.psnr, ssim: r.ssim, nrmse: r.nrmse, msssim: r.msssim };
  });
  const avg = (k: keyof Scores): number | null => {
    const vals = per.map((s) => s[k]);
    if (vals.some((v) => v === null)) return null;
    return (vals as number[]).reduce((a, b) => a + b, 0) / vals.length;
  };
  return {
    mean: { psnr: avg("psnr")!, ssim: avg("ssim")!, nrmse: avg("nrmse")!, msssim: avg("msssim") },
    planes: per.length > 1 ? per : null,
  };
}

/** JSON has no Infinity: an infinite PSNR (identical images) is written as null with a note. */
function jsonScores(s: Scores): Record<string, unknown> {
  const out: Record<string, unknown> = { psnr: Number.isFinite(s.psnr) ? s.psnr : null, ssim: s.ssim, nrmse: s.nrmse, msssim: s.msssim };
  if (!Number.isFinite(s.psnr)) out.psnr_note = "infinite (the images are identical after normalisation)";
  return out;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      baseline: { type: "string" },
      raw: { type: "boolean" },
      "data-range": { type: "string" },
      "pixel-size": { type: "string" },
      json: { type: "boolean" },
      ...SELECT_OPTIONS,
    },
    usage,
  );
  if (!parsed) return 0;
  const [predPath, gtPath, ...rest] = parsed.positionals;
  if (!predPath || !gtPath || rest.length) throw invalidArgument(`give exactly PRED and GT`);
  const raw = Boolean(parsed.values.raw);
  const pixelSizeNm = parsed.values["pixel-size"] !== undefined ? numberOption(parsed.values["pixel-size"], "pixel-size") : null;
  if (pixelSizeNm !== null && !(pixelSizeNm > 0)) throw invalidArgument(`--pixel-size must be > 0 nm, got ${pixelSizeNm}`);
  const selection = parseSelection(parsed.values);
  const bPath = parsed.values.baseline as string | undefined;
  const [gt, pred, baseImage] = await readSelected([gtPath, predPath, ...(bPath ? [bPath] : [])], selection);
  let dataRange: number | undefined;
  if (raw) {
    dataRange = parsed.values["data-range"] !== undefined ? numberOption(parsed.values["data-range"], "data-range") : dtypeSpan(gt.dtype);
    if (dataRange === undefined) throw invalidArgument(`--raw with ${gt.dtype} ground truth needs --data-range (the distance between the smallest and largest possible value)`);
  }
  const main = score(pred, gt, predPath, gtPath, raw, dataRange);
  let base: ReturnType<typeof score> | null = null;
  if (bPath) base = score(baseImage, gt, bPath, gtPath, raw, dataRange);
  if (parsed.values.json) {
    const out: Record<string, unknown> = {
      ...jsonScores(main.mean),
      normalization: raw ? "raw" : "normMinMse",
      data_range: raw ? dataRange : 1,
      pixel_size_nm: pixelSizeNm,
    };
    if (main.planes) out.planes = main.planes.map(jsonScores);
    if (base) {
      out.baseline = { ...jsonScores(base.mean), ...(base.planes ? { planes: base.planes.map(jsonScores) } : {}) };
    }
    console.log(JSON.stringify(out));
    return 0;
  }
  const fmt = (s: Scores) =>
    `PSNR ${s.psnr.toFixed(3)} dB  SSIM ${s.ssim.toFixed(4)}  NRMSE ${s.nrmse.toFixed(4)}  MS-SSIM ${s.msssim === null ? "n/a (image < 176 px)" : s.msssim.toFixed(4)}`;
  console.log(`${raw ? `raw values, data range ${dataRange}` : "normMinMse (CARE/PSSR protocol), data range 1"}`);
  console.log(`prediction: ${fmt(main.mean)}`);
  if (base) console.log(`baseline:   ${fmt(base.mean)}`);
  return 0;
}
