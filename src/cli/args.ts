// Shared option parsing for the subcommands: node's parseArgs with errors turned into
// one clear line, and typed number parsing that names the option on a bad value.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { invalidArgument } from "../errors.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses `args`; unknown options and missing values become PssrErrors naming the option. */
export function parseCommandArgs(args: string[], options: Options, usage: string): Parsed | null {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    return null;
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    throw invalidArgument(`${(e as Error).message.split("\n")[0]}\n${usage}`);
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

/** Parses an integer option with inclusive bounds. */
export function intOption(value: unknown, name: string, fallback: number | undefined, min = -Infinity, max = Infinity): number {
  const n = numberOption(value, name, fallback);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidArgument(`--${name} must be an integer in ${min}..${max}, got ${String(value ?? n)}`);
  }
  return n;
}
