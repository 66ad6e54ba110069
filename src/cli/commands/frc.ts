// `pssr frc A B [--threshold 1/7|half-bit|one-bit|3sigma] [--pixel-size NM] [--json]` and
// `pssr frc A --single checkerboard|binomial`: Fourier ring correlation resolution.
import { lengthToNm } from "../../image/image.js";
import { frc, singleImageFrc, FRC_THRESHOLDS, type FrcResult, type FrcThreshold } from "../../metrics/frc.js";
import { invalidArgument, unknownName } from "../../errors.js";
import { numberOption, parseCommandArgs } from "../args.js";
import { loadPlane } from "./evaluate.js";

export const summary = "Fourier ring correlation resolution of two images (or one, single-image FRC)";

const usage = `usage: pssr frc A B [--threshold 1/7|half-bit|one-bit|3sigma] [--pixel-size NM] [--tukey-alpha A] [--json]
       pssr frc A --single checkerboard|binomial [--seed N] [...]

Two independent images of the same field (e.g. two acquisitions, or a restoration of each):
Tukey-windowed FRC, resolution at the first crossing of the threshold (default 1/7).
  --pixel-size NM   pixel size for the resolution in nm (default: from the file, if stated)
  --single METHOD   single-image FRC from A alone (checkerboard split with the Koho et al.
                    correction, or binomial splitting of photon counts); labelled as such
  --json            print {"resolution_px","resolution_nm","threshold","curve":[[f,frc],...],...}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      threshold: { type: "string" },
      "pixel-size": { type: "string" },
      "tukey-alpha": { type: "string" },
      single: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    },
    usage,
  );
  if (!parsed) return 0;
  const threshold = (parsed.values.threshold ?? "1/7") as FrcThreshold;
  if (!FRC_THRESHOLDS.includes(threshold)) throw unknownName("FRC threshold", String(threshold), FRC_THRESHOLDS);
  const tukeyAlpha = numberOption(parsed.values["tukey-alpha"], "tukey-alpha", 0.25);
  const single = parsed.values.single as string | undefined;
  const files = parsed.positionals;
  if (single ? files.length !== 1 : files.length !== 2) throw invalidArgument(`give ${single ? "one image with --single" : "two images A and B"}`);
  const a = await loadPlane(files[0], "image A");
  let pixelSizeNm: number | null =
    parsed.values["pixel-size"] !== undefined ? numberOption(parsed.values["pixel-size"], "pixel-size") : a.image.pixelSize ? lengthToNm(a.image.pixelSize) : null;
  if (pixelSizeNm !== null && !(pixelSizeNm > 0)) throw invalidArgument(`--pixel-size must be > 0 nm, got ${pixelSizeNm}`);
  let r: FrcResult & { singleImage?: boolean; seed?: number | null };
  if (single) {
    if (single !== "checkerboard" && single !== "binomial") throw unknownName("single-image FRC method", single, ["checkerboard", "binomial"]);
    const seed = parsed.values.seed !== undefined ? numberOption(parsed.values.seed, "seed") : 0;
    r = singleImageFrc(a.plane, { method: single, threshold, tukeyAlpha, pixelSizeNm, seed });
  } else {
    const b = await loadPlane(files[1], "image B");
    if (a.plane.height !== b.plane.height || a.plane.width !== b.plane.width) {
      throw invalidArgument(`${files[0]} is ${a.plane.height}x${a.plane.width} but ${files[1]} is ${b.plane.height}x${b.plane.width}; FRC needs two images of the same field and shape`);
    }
    r = frc(a.plane, b.plane, { threshold, tukeyAlpha, pixelSizeNm });
  }
  if (parsed.values.json) {
    console.log(
      JSON.stringify({
        resolution_px: r.resolutionPx,
        resolution_nm: r.resolutionNm,
        threshold: r.threshold,
        crossing_frequency: r.crossingFrequency,
        status: r.status,
        kind: r.kind,
        pixel_size_nm: pixelSizeNm,
        fft_size: r.fftSize,
        ...(r.seed !== undefined && r.seed !== null ? { seed: r.seed } : {}),
        curve: r.curve,
        threshold_curve: r.thresholdCurve,
      }),
    );
    return 0;
  }
  const label = r.kind === "two-image" ? "FRC" : `single-image FRC (${r.kind.replace("single-image-", "")})`;
  if (r.resolutionPx === null) {
    console.log(`${label}: no crossing of the ${r.threshold} threshold (${r.status === "above-threshold" ? "correlated up to Nyquist: resolution <= 2 px" : "never above the threshold"})`);
  } else {
    console.log(`${label}: resolution ${r.resolutionPx.toFixed(3)} px${r.resolutionNm !== null ? ` = ${r.resolutionNm.toFixed(2)} nm` : ""} (threshold ${r.threshold}, crossing at ${r.crossingFrequency!.toFixed(4)} cycles/px)`);
  }
  return 0;
}
