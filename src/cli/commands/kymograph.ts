// `pssr kymograph STACK --line x1,y1,x2,y2[,...] [--width W] [--max] -o KYMO.tif [--json]`.
import { imageFromPlanes } from "../../image/image.js";
import { kymograph, type Point } from "../../metrics/kymograph.js";
import { invalidArgument } from "../../errors.js";
import { intOption, outputOption, parseCommandArgs } from "../args.js";
import { guardOutputs, imageOutputFormat, writeImageOutput } from "../outputs.js";
import { parseSelection, readSelected, SELECT_USAGE, SELECT_OPTIONS } from "../select.js";


const usage = `usage: pssr kymograph STACK --line x1,y1,x2,y2[,x3,y3...] [--width W] [--max] -o KYMO.tif [--json]

Samples the (T, Y, X) time-lapse every 1 px along the polyline (x = column, y = row, pixel
centres at integers) with bilinear interpolation, across a band W px wide (mean, or --max),
one row per frame. KYMO.tif is float32, T rows x length columns; its metadata records the line,
segment boundaries and the calibration (µm per column, s per row) when the file states them;
ImageJ opens KYMO.tif with that calibration (unit micron along X, yunit sec along Y).
  -o, --output FILE   where to write the kymograph (required; .tif, or .png for a preview; --out is an alias)
  --line x1,y1,...    the polyline (required)
  --width W           band width in px (default 1)
  --max               maximum across the band instead of the mean
  --json              print the summary as JSON
${SELECT_USAGE}
                      (of a hyperstack, pick the channel/plane so that a T, Y, X time-lapse remains)`;

export function parseLine(text: string): Point[] {
  const nums = text.split(",").map((s) => Number(s.trim()));
  if (nums.length < 4 || nums.length % 2 !== 0 || nums.some((v) => !Number.isFinite(v))) {
    throw invalidArgument(`--line must be x1,y1,x2,y2[,...] (an even count of at least 4 numbers), got "${text}"`);
  }
  const pts: Point[] = [];
  for (let i = 0; i < nums.length; i += 2) pts.push([nums[i], nums[i + 1]]);
  return pts;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      line: { type: "string" },
      width: { type: "string" },
      max: { type: "boolean" },
      output: { type: "string", short: "o" },
      out: { type: "string" },
      json: { type: "boolean" },
      ...SELECT_OPTIONS,
    },
    usage,
  );
  if (!parsed) return 0;
  const [stackPath, ...rest] = parsed.positionals;
  if (!stackPath || rest.length) throw invalidArgument(`give exactly one STACK`);
  if (!parsed.values.line) throw invalidArgument(`--line is required`);
  const out = outputOption(parsed.values, true);
  imageOutputFormat(out, "-o");
  guardOutputs([stackPath], [{ path: out, option: "-o" }]);
  const line = parseLine(parsed.values.line as string);
  const widthPx = intOption(parsed.values.width, "width", 1, 1, 10000);
  const [stack] = await readSelected([stackPath], parseSelection(parsed.values));
  if (stack.shape.length !== 3) {
    const hint = stack.shape.length > 3 ? "; pick the channel or Z plane with --channel/--plane or --select so that one time axis remains" : "";
    throw invalidArgument(`${stackPath}: a kymograph needs a (T, Y, X) time-lapse; this ${stack.shape.length > 3 ? "file" : "selection"} has axes ${stack.axes} and shape ${JSON.stringify(stack.shape)}${hint}`);
  }
  const r = kymograph(stack, line, { widthPx, reduce: parsed.values.max ? "max" : "mean" });
  const meta = {
    kymograph: {
      source: stackPath,
      line,
      widthPx,
      reduce: r.reduce,
      lengthPx: r.lengthPx,
      segmentBoundariesPx: r.segmentBoundariesPx,
      positionStepUm: r.positionStepUm,
      frameIntervalS: r.frameIntervalS,
      rows: "time (frames)",
      columns: "position along the line (1 px steps)",
    },
  };
  // Columns are 1 px steps along the line, rows are frames: the file says so as ImageJ reads it
  // (unit=micron, yunit=sec), not only in the metadata. With non-square pixels the µm per column
  // differs between segments: then the file has no column size and positions_um gives them.
  const kymo = imageFromPlanes([r.kymograph], {
    pixelSize: r.positionStepUm !== null ? { value: r.positionStepUm, unit: "µm" } : null,
    rowIntervalS: r.frameIntervalS,
    meta,
  });
  if (r.positionStepUm === null && r.positionsUm !== null) console.error("note: the pixels are not square and the line turns, so the µm per column differs between segments; the file has no column size (positions_um in --json gives each column's position)");
  await writeImageOutput(out, kymo, { dtype: "float32" });
  const summaryObj = {
    output: out,
    frames: r.kymograph.height,
    positions: r.kymograph.width,
    length_px: r.lengthPx,
    segment_boundaries_px: r.segmentBoundariesPx,
    position_step_um: r.positionStepUm,
    positions_um: r.positionStepUm === null ? r.positionsUm : undefined,
    frame_interval_s: r.frameIntervalS,
    width_px: widthPx,
    reduce: r.reduce,
  };
  if (parsed.values.json) console.log(JSON.stringify(summaryObj));
  else console.log(`kymograph ${r.kymograph.height} frames x ${r.kymograph.width} positions (${r.reduce} over ${widthPx} px) -> ${out}`);
  return 0;
}
