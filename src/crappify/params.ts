// Recipe parameters: each has a default, a valid range (or a list of choices) and a doc line.
// A numeric parameter may be given as a range [lo, hi]; it is then drawn uniformly per sample
// (per crappify call) and the drawn value is what the result records.
import { invalidArgument, unknownName } from "../errors.js";
import type { Rng } from "./rng.js";

export type ParamValue = number | string | boolean;
/** What a caller may pass for a parameter: a value, or [lo, hi] for a numeric one. */
export type ParamInput = ParamValue | readonly [number, number];

export interface ParamSpec {
  name: string;
  kind: "number" | "integer" | "choice" | "boolean";
  default: ParamValue;
  /** Inclusive valid range for numbers. */
  min?: number;
  max?: number;
  choices?: readonly string[];
  unit?: string;
  doc: string;
}

export function numberParam(name: string, def: number, min: number, max: number, doc: string, unit?: string): ParamSpec {
  return { name, kind: "number", default: def, min, max, doc, unit };
}

export function integerParam(name: string, def: number, min: number, max: number, doc: string, unit?: string): ParamSpec {
  return { name, kind: "integer", default: def, min, max, doc, unit };
}

export function choiceParam(name: string, def: string, choices: readonly string[], doc: string): ParamSpec {
  return { name, kind: "choice", default: def, choices, doc };
}

export function booleanParam(name: string, def: boolean, doc: string): ParamSpec {
  return { name, kind: "boolean", default: def, doc };
}

function checkNumber(recipe: string, spec: ParamSpec, v: number): void {
  if (!Number.isFinite(v)) throw invalidArgument(`${recipe}: parameter ${spec.name} must be a finite number, got ${v}`);
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    throw invalidArgument(`${recipe}: parameter ${spec.name}=${v} is out of range [${spec.min}, ${spec.max}]`);
  }
  if (spec.kind === "integer" && !Number.isInteger(v)) throw invalidArgument(`${recipe}: parameter ${spec.name} must be an integer, got ${v}`);
}

/** Checks names, types and ranges of user parameters; throws a PssrError naming the problem. */
export function validateParams(recipe: string, specs: readonly ParamSpec[], given: Record<string, ParamInput | undefined>): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = byName.get(name);
    if (!spec) throw unknownName(`parameter of recipe ${recipe}`, name, specs.map((s) => s.name));
    if (spec.kind === "number" || spec.kind === "integer") {
      if (Array.isArray(value)) {
        if (value.length !== 2) throw invalidArgument(`${recipe}: range for ${name} must be [lo, hi]`);
        const [lo, hi] = value as readonly [number, number];
        checkNumber(recipe, spec, lo);
        checkNumber(recipe, spec, hi);
        if (lo > hi) throw invalidArgument(`${recipe}: range for ${name} has lo ${lo} > hi ${hi}`);
      } else if (typeof value === "number") {
        checkNumber(recipe, spec, value);
      } else {
        throw invalidArgument(`${recipe}: parameter ${name} must be a number or a range [lo, hi], got ${JSON.stringify(value)}`);
      }
    } else if (spec.kind === "choice") {
      if (typeof value !== "string" || !spec.choices!.includes(value)) {
        throw unknownName(`value for ${recipe}.${name}`, String(value), spec.choices!);
      }
    } else if (typeof value !== "boolean") {
      throw invalidArgument(`${recipe}: parameter ${name} must be true or false, got ${JSON.stringify(value)}`);
    }
  }
}

/** Resolves defaults and draws ranged parameters (uniform; integers uniform over lo..hi). */
export function drawParams(
  specs: readonly ParamSpec[],
  given: Record<string, ParamInput | undefined>,
  rng: Rng,
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of specs) {
    const v = given[spec.name];
    if (v === undefined) out[spec.name] = spec.default;
    else if (Array.isArray(v)) {
      const [lo, hi] = v as readonly [number, number];
      out[spec.name] = spec.kind === "integer" ? lo + Math.floor(rng.uniform() * (hi - lo + 1)) : rng.uniformRange(lo, hi);
    } else out[spec.name] = v as ParamValue;
  }
  return out;
}

/**
 * Parses "key=value" as typed for the recipe (CLI --set): numbers, "lo:hi" or "[lo,hi]" ranges,
 * true/false, or a choice name.
 */
export function parseParamAssignment(recipe: string, specs: readonly ParamSpec[], text: string): [string, ParamInput] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw invalidArgument(`--set expects key=value, got "${text}"`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const spec = specs.find((s) => s.name === key);
  if (!spec) throw unknownName(`parameter of recipe ${recipe}`, key, specs.map((s) => s.name));
  if (spec.kind === "number" || spec.kind === "integer") {
    const m = /^\[?\s*([^,:\]]+)\s*[,:]\s*([^,\]]+)\s*\]?$/.exec(raw);
    const toNum = (s: string): number => {
      const n = Number(s.trim());
      if (s.trim() === "" || !Number.isFinite(n)) throw invalidArgument(`${recipe}: parameter ${key} must be a number or lo:hi, got "${raw}"`);
      return n;
    };
    if (m && !/^[-+]?[\d.]+e[-+]?\d+$/i.test(raw)) return [key, [toNum(m[1]), toNum(m[2])]];
    return [key, toNum(raw)];
  }
  if (spec.kind === "boolean") {
    if (raw === "true" || raw === "1") return [key, true];
    if (raw === "false" || raw === "0") return [key, false];
    throw invalidArgument(`${recipe}: parameter ${key} must be true or false, got "${raw}"`);
  }
  return [key, raw];
}
