// `--time N`, `--channel N`, `--plane N` and `--select t=N,c=N,z=N`: which time point, channel
// or Z plane of a stack/hyperstack a command that needs 2D (or a time-lapse) works on.
import type { Image, Plane } from "../image/image.js";
import { planeCount, getPlane } from "../image/image.js";
import { selectIndices, type AxisSelection } from "../image/select.js";
import { readImage } from "../io/read.js";
import { invalidArgument, PssrError } from "../errors.js";
import { intOption, type Options, type Parsed } from "./args.js";

/** Usage lines for the selection options (commands append them to their usage text). */
export const SELECT_USAGE = `  --time N, --channel N, --plane N   pick time point / channel / Z plane N (0-based) of stacks
  --select t=N,c=N,z=N               the same in one option`;

/** The selection options' entries for a command's option table (spread into it). */
export const SELECT_OPTIONS: Options = {
  time: { type: "string" },
  channel: { type: "string" },
  plane: { type: "string" },
  select: { type: "string" },
};

const LETTER: Record<string, "T" | "C" | "Z"> = { t: "T", time: "T", c: "C", channel: "C", z: "Z", plane: "Z" };

/** The selection the options ask for ({} when none). */
export function parseSelection(values: Parsed["values"]): AxisSelection {
  const sel: AxisSelection = {};
  const set = (axis: "T" | "C" | "Z", n: number, how: string) => {
    if (sel[axis] !== undefined && sel[axis] !== n) throw invalidArgument(`${how} picks ${axis.toLowerCase()}=${n} but ${axis.toLowerCase()}=${sel[axis]} was already given`);
    sel[axis] = n;
  };
  for (const name of ["time", "channel", "plane"]) {
    if (values[name] !== undefined) set(LETTER[name], intOption(values[name], name, undefined, 0), `--${name}`);
  }
  if (values.select !== undefined) {
    for (const part of String(values.select).split(",")) {
      const m = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/i.exec(part);
      const axis = m ? LETTER[m[1].toLowerCase()] : undefined;
      if (!m || !axis) throw invalidArgument(`--select must be like t=3,c=0,z=1 (axes t, c, z; 0-based indices), got "${String(values.select)}"`);
      set(axis, Number(m[2]), "--select");
    }
  }
  return sel;
}

/** How to pick along the leading axes of `img`, for messages ("--time N (0..4)"). */
function pickHint(img: Image): string {
  const opts: string[] = [];
  for (const [d, a] of [...img.axes.slice(0, -2)].entries()) {
    const name = a === "T" ? "--time" : a === "C" ? "--channel" : "--plane";
    opts.push(`${name} N (0..${img.shape[d] - 1})`);
  }
  return opts.join(", ");
}

/**
 * Reads every file and applies the selection to each image that has the axis; an axis that no
 * input has is an error (a typo must not be ignored).
 */
export async function readSelected(paths: string[], selection: AxisSelection): Promise<Image[]> {
  const images: Image[] = [];
  for (const p of paths) images.push(await readImage(p));
  for (const axis of Object.keys(selection) as ("T" | "C" | "Z")[]) {
    if (!images.some((img) => img.axes.slice(0, -2).includes(axis))) {
      const what = images.map((img, i) => `${paths[i]}: axes ${img.axes}`).join("; ");
      throw invalidArgument(`no input has a ${axis} axis to pick ${axis.toLowerCase()}=${selection[axis]} from (${what})`);
    }
  }
  return images.map((img, i) => {
    const own: AxisSelection = {};
    for (const [a, n] of Object.entries(selection) as ["T" | "C" | "Z", number][]) if (img.axes.slice(0, -2).includes(a)) own[a] = n;
    return selectIndices(img, own, paths[i]);
  });
}

/** The single 2D plane of an image after selection, or an error that says how to pick one. */
export function onlyPlane(img: Image, path: string, what: string): Plane {
  const n = planeCount(img);
  if (n !== 1) {
    throw new PssrError("invalid-argument", `${what} has ${n} planes (axes ${img.axes}, shape ${JSON.stringify(img.shape)}); pick one with ${pickHint(img)}, or --select`, { file: path });
  }
  return getPlane(img, 0);
}
