// `pssr errormap REF SR -o MAP.tif [--sigma-max PX] [--json]`: NanoJ-SQUIRREL error map, RSE, RSP.
import { imageFromPlanes } from "../../image/image.js";
import { errorMap } from "../../metrics/errormap.js";
import { invalidArgument } from "../../errors.js";
import { numberOption, outputOption, parseCommandArgs } from "../args.js";
import { guardOutputs, imageOutputFormat, writeImageOutput } from "../outputs.js";
import { onlyPlane, parseSelection, readSelected, SELECT_USAGE, SELECT_OPTIONS } from "../select.js";


const usage = `usage: pssr errormap REF SR -o MAP.tif [--sigma-max PX] [--json]

REF is the reference (e.g. the real acquisition); SR the restoration on the same field, on the same
grid or a whole factor finer. SR is blurred by the Gaussian (sigma found by a bounded search) and
intensity-rescaled (alpha, beta by least squares) that best reproduce REF; MAP.tif (float32, REF's
grid) is |REF - alpha*blur(SR)+beta|.
  -o, --output FILE   where to write the error map (required; .tif, or .png for a preview; --out is an alias)
  --sigma-max PX      upper end of the sigma search in SR pixels (default 5 x magnification)
  --json              print {"rse","rsp","sigma_px","alpha","beta",...}
${SELECT_USAGE}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
      output: { type: "string", short: "o" },
      out: { type: "string" },
      "sigma-max": { type: "string" },
      json: { type: "boolean" },
      ...SELECT_OPTIONS,
    }, usage);
  if (!parsed) return 0;
  const [refPath, srPath, ...rest] = parsed.positionals;
  if (!refPath || !srPath || rest.length) throw invalidArgument(`give exactly REF and SR`);
  const out = outputOption(parsed.values, true);
  imageOutputFormat(out, "-o");
  guardOutputs([refPath, srPath], [{ path: out, option: "-o" }]);
  const [refImage, srImage] = await readSelected([refPath, srPath], parseSelection(parsed.values));
  const ref = { plane: onlyPlane(refImage, refPath, "reference"), image: refImage };
  const sr = { plane: onlyPlane(srImage, srPath, "restored image") };
  const sigmaMax = parsed.values["sigma-max"] !== undefined ? numberOption(parsed.values["sigma-max"], "sigma-max") : undefined;
  const r = errorMap(sr.plane, ref.plane, sigmaMax !== undefined ? { sigmaRangePx: [0, sigmaMax] } : {});
  const img = imageFromPlanes([r.map], {
    pixelSize: ref.image.pixelSize,
    pixelSizeY: ref.image.pixelSizeY ?? null,
    meta: { errormap: { reference: refPath, restored: srPath, rse: r.rse, rsp: r.rsp, sigmaPx: r.sigmaPx, alpha: r.alpha, beta: r.beta } },
  });
  await writeImageOutput(out, img, { dtype: "float32" });
  if (parsed.values.json) {
    console.log(
      JSON.stringify({
        rse: r.rse,
        rsp: r.rsp,
        sigma_px: r.sigmaPx,
        sigma_reference_px: r.sigmaReferencePx,
        alpha: r.alpha,
        beta: r.beta,
        magnification: r.magnification,
        at_upper_bound: r.atUpperBound,
        output: out,
      }),
    );
  } else {
    console.log(`RSE ${r.rse.toPrecision(5)}  RSP ${r.rsp.toFixed(4)}  sigma ${r.sigmaPx.toFixed(3)} px (SR grid)  alpha ${r.alpha.toPrecision(5)}  beta ${r.beta.toPrecision(5)}  -> ${out}`);
    if (r.atUpperBound) console.log("warning: sigma hit the top of the search range (raise --sigma-max or check the images)");
  }
  return 0;
}
