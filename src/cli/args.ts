// Shared option parsing for the subcommands: node's parseArgs with every error turned into one
// line that names the option and the rule (main.ts adds "see `pssr CMD --help`"), negative
// numbers accepted as option values, and typed number parsing that names the option.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { invalidArgument } from "../errors.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A token that is a negative number (-1, -0.5, -.5, -1e-3): a value, never an option. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Rewrites `--opt -3` / `-o -3` into `--opt=-3` for string options, so parseArgs takes a
 * negative number as the value instead of calling it ambiguous (the range rule then speaks).
 */
function joinNegativeValues(args: string[], options: Options): string[] {
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) byShort.set(o.short, name);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (t === "--") {
      out.push(...args.slice(i));
      break;
    }
    const name = t.startsWith("--") && !t.includes("=") ? t.slice(2) : /^-[^-]$/.test(t) ? byShort.get(t[1]) : undefined;
    if (name && options[name]?.type === "string" && i + 1 < args.length && NEGATIVE_NUMBER.test(args[i + 1])) {
      out.push(`--${name}=${args[i + 1]}`);
      i++;
    } else out.push(t);
  }
  return out;
}

/** Levenshtein distance, for "did you mean" on a mistyped option. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function closestOption(given: string, options: Options): string | null {
  const bare = given.replace(/^-+/, "").split("=")[0];
  let best: string | null = null;
  let bestD = Infinity;
  for (const name of Object.keys(options)) {
    const d = name.startsWith(bare) && bare.length >= 2 ? 0 : editDistance(bare, name);
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(bare.length / 3)) ? best : null;
}

/** The option a parseArgs message quotes ('-o, --output <value>' -> --output). */
function quotedOption(message: string): string | null {
  const m = /'([^']*)'/.exec(message);
  if (!m) return null;
  const long = /--[\w-]+/.exec(m[1]);
  return long ? long[0] : m[1].split(/[ ,]/)[0];
}

/** One line for a parseArgs error: which option, what rule. */
function describeParseError(e: Error & { code?: string }, options: Options): string {
  const msg = e.message.split("\n")[0];
  let opt = quotedOption(msg);
  // Name a short option by its long name (-o -> --output), as the usage does.
  const long = opt && /^-\w$/.test(opt) ? Object.entries(options).find(([, o]) => o.short === opt![1])?.[0] : undefined;
  if (long) opt = `--${long}`;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && opt) {
    const near = closestOption(opt, options);
    return `unknown option ${opt}${near ? ` (did you mean --${near}?)` : ""}`;
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && opt) {
    if (/does not take an argument/.test(msg)) return `${opt} is a switch and takes no value`;
    if (/ambiguous/.test(msg)) return `${opt} needs a value; to give one that starts with "-", write ${opt}=VALUE`;
    if (/argument missing/.test(msg)) return `${opt} needs a value`;
  }
  return msg.replace(/'/g, "");
}

/** Parses `args`; unknown options and missing values become one-line PssrErrors naming the option. */
export function parseCommandArgs(args: string[], options: Options, usage: string): Parsed | null {
  const end = args.indexOf("--");
  const head = end < 0 ? args : args.slice(0, end);
  if (head.includes("--help") || head.includes("-h")) {
    console.log(usage);
    return null;
  }
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    throw invalidArgument(describeParseError(e as Error & { code?: string }, options));
  }
}

/** Parses a numeric option; throws naming the option when it is not a finite number. */
export function numberOption(value: unknown, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw invalidArgument(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n)) {
    throw invalidArgument(`--${name} must be a number, got "${String(value)}"`);
  }
  return n;
}

/** "in 1..8", ">= 1", "<= 5" or "" for the bounds of a rule. */
function rangeText(min: number, max: number): string {
  if (Number.isFinite(min) && Number.isFinite(max)) return ` in ${min}..${max}`;
  if (Number.isFinite(min)) return ` >= ${min}`;
  if (Number.isFinite(max)) return ` <= ${max}`;
  return "";
}

/** Parses an integer option with inclusive bounds. */
export function intOption(value: unknown, name: string, fallback: number | undefined, min = -Infinity, max = Infinity): number {
  const n = numberOption(value, name, fallback);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidArgument(`--${name} must be an integer${rangeText(min, max)}, got ${String(value ?? n)}`);
  }
  return n;
}

/** Parses a number that must be strictly positive (a learning rate, a pixel size). */
export function positiveOption(value: unknown, name: string, fallback?: number): number {
  const n = numberOption(value, name, fallback);
  if (!(n > 0)) throw invalidArgument(`--${name} must be > 0, got ${String(value ?? n)}`);
  return n;
}

/**
 * The output file of a command: `-o/--output`, or `--out` (the older spelling, kept as an
 * alias). Both given and different is an error; `required` makes a missing one an error.
 */
export function outputOption(values: Parsed["values"], required: true): string;
export function outputOption(values: Parsed["values"], required?: boolean): string | undefined;
export function outputOption(values: Parsed["values"], required = false): string | undefined {
  const a = values.output as string | undefined;
  const b = values.out as string | undefined;
  if (a !== undefined && b !== undefined && a !== b) throw invalidArgument(`-o/--output and --out are the same option; give it once (got ${a} and ${b})`);
  const out = a ?? b;
  if (required && out === undefined) throw invalidArgument("-o/--output FILE is required");
  return out;
}
