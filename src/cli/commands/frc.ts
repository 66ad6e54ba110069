// `pssr frc A B [--threshold 1/7|half-bit|one-bit|3sigma] [--pixel-size NM] [--json]` and
// `pssr frc A --single checkerboard|binomial`: Fourier ring correlation resolution.
import { lengthToNm } from "../../image/image.js";
import { frc, singleImageFrc, FRC_THRESHOLDS, type FrcResult, type FrcThreshold } from "../../metrics/frc.js";
import { invalidArgument, unknownName } from "../../errors.js";
import { estimateNoiseCurve, fitPoissonGaussian } from "../../crappify/calibrate.js";
import type { Plane } from "../../image/image.js";
import { numberOption, parseCommandArgs } from "../args.js";
import { isSameFile } from "../outputs.js";
import { onlyPlane, parseSelection, readSelected, SELECT_USAGE, SELECT_OPTIONS } from "../select.js";


const usage = `usage: pssr frc A B [--threshold 1/7|half-bit|one-bit|3sigma] [--pixel-size NM] [--tukey-alpha A] [--json]
       pssr frc A --single checkerboard|binomial [--seed N] [...]

Two independent images of the same field (e.g. two acquisitions, or a restoration of each):
Tukey-windowed FRC, resolution at the first crossing of the threshold (default 1/7).
  --pixel-size NM   pixel size for the resolution in nm (default: from the file, if stated)
  --single METHOD   single-image FRC from A alone (checkerboard split with the Koho et al.
                    correction, or binomial splitting of photon counts); labelled as such
  --json            print {"resolution_px","resolution_nm","threshold","curve":[[f,frc],...],...}
${SELECT_USAGE}
Warns (stderr) when the result is suspect: A and B the same file or the same pixels, or binomial
splitting of data whose noise is not that of photon counts.`;

/** Whether two planes hold the same pixels (an FRC of an image with itself is 1 everywhere). */
function samePixels(a: Plane, b: Plane): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/**
 * Photon counts have noise variance equal to the mean (gain 1, no offset, no read noise worth
 * the name); the measured noise curve says how far integer data are from that. Null if it fits.
 */
function notCountsReason(plane: Plane): string | null {
  let fit;
  try {
    fit = fitPoissonGaussian(estimateNoiseCurve(plane).points);
  } catch {
    return null; // too flat or small to tell
  }
  if (fit.inverted) return "its noise falls as intensity rises (inverted contrast)";
  if (fit.gain < 0.67 || fit.gain > 1.5) return `its noise variance grows ${fit.gain.toPrecision(3)} per unit of intensity (photon counts: 1)`;
  return null;
}

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
      ...SELECT_OPTIONS,
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
  const selection = parseSelection(parsed.values);
  const images = await readSelected(files, selection);
  const a = { plane: onlyPlane(images[0], files[0], "image A"), image: images[0] };
  const warn = (m: string) => console.error(`warning: ${m}`);
  let pixelSizeNm: number | null =
    parsed.values["pixel-size"] !== undefined ? numberOption(parsed.values["pixel-size"], "pixel-size") : a.image.pixelSize ? lengthToNm(a.image.pixelSize) : null;
  if (pixelSizeNm !== null && !(pixelSizeNm > 0)) throw invalidArgument(`--pixel-size must be > 0 nm, got ${pixelSizeNm}`);
  let r: FrcResult & { singleImage?: boolean; seed?: number | null };
  if (single) {
    if (single !== "checkerboard" && single !== "binomial") throw unknownName("single-image FRC method", single, ["checkerboard", "binomial"]);
    const seed = parsed.values.seed !== undefined ? numberOption(parsed.values.seed, "seed") : 0;
    // Non-integer or negative data are refused by the binomial split itself (one line); integer
    // data are checked for the noise of photon counts.
    if (single === "binomial" && a.plane.data.every((x) => x >= 0 && Number.isInteger(x))) {
      const why = notCountsReason(a.plane);
      if (why) warn(`${files[0]} does not look like photon counts (${why}): binomial halves are then not two independent acquisitions and the resolution is not meaningful; use --single checkerboard or convert to photons first`);
    }
    r = singleImageFrc(a.plane, { method: single, threshold, tukeyAlpha, pixelSizeNm, seed });
  } else {
    const b = { plane: onlyPlane(images[1], files[1], "image B") };
    if (isSameFile(files[0], files[1]) || samePixels(a.plane, b.plane)) {
      warn(`${isSameFile(files[0], files[1]) ? "A and B are the same file" : "A and B hold identical pixels"}: their FRC is 1 at every frequency and measures nothing; give two independent acquisitions, or one image with --single`);
    }
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
