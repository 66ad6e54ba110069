// Three gaps in tslab's converter that notebook users hit, mended around it (tslab itself is a
// dependency we do not patch):
//
// 1. Cells import the toolkit as "pssr-lab". tslab type-checks with Node10 module resolution,
//    which ignores a package's self-reference, so in a notebook inside this checkout (or any
//    folder without node_modules/pssr-lab) the import fails to type-check although Node would
//    run it. tslab already forwards `<cwd>/node_modules/tslab` to itself; we forward
//    `<cwd>/node_modules/pssr-lab` to the package the kernel runs from, when no real one is
//    there, and resolve `require("pssr-lab")` the same way at run time.
// 2. tslab's watch program throws "Unexpected pending rebuildTimer" for good once a directory
//    watcher fires (TypeScript invalidates failed module lookups on a second timer, which
//    tslab's one-timer host refuses). Notebook folders see files appear all the time
//    (checkpoints, outputs), so directory watching is turned off: a package installed while
//    the kernel runs is seen after a restart, as in other kernels.
// 3. tslab rewrites references to names declared in earlier cells to `exports.name`, but not
//    shorthand properties (`{ recipe }` stays `{ recipe }` and throws "recipe is not defined").
//    Expanding shorthands to `recipe: recipe` before conversion lets its rewrite apply.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { packageRoot } from "../paths.js";

const requireHere = createRequire(import.meta.url);
const OWN_NAME = "pssr-lab";

interface TsModule {
  sys: Record<string, unknown> & {
    watchDirectory?: (...args: unknown[]) => { close(): void };
    fileExists(p: string): boolean;
    readFile(p: string, enc?: string): string | undefined;
    directoryExists(p: string): boolean;
    realpath?(p: string): string;
    getModifiedTime?(p: string): Date | undefined;
  };
  createSourceFile(name: string, text: string, target: number, setParents: boolean, kind: number): unknown;
  ScriptTarget: { Latest: number };
  ScriptKind: { TS: number };
  isShorthandPropertyAssignment(n: unknown): boolean;
  forEachChild(n: unknown, cb: (child: unknown) => void): void;
}

/** The TypeScript instance tslab's converter uses (its own pinned copy). */
export function tslabTypeScript(): TsModule {
  const fromTslab = createRequire(requireHere.resolve("tslab/dist/converter"));
  return fromTslab("@tslab/typescript-for-tslab") as TsModule;
}

let forwarded: string | null = null;

/**
 * Makes `<cwd>/node_modules/pssr-lab/...` resolve, for tslab's type checker, to this package's
 * files when that folder does not really exist. Idempotent per process.
 */
export function forwardOwnPackageForTypes(cwd: string): void {
  if (forwarded === cwd) return;
  const own = packageRoot();
  const virtualRoot = join(cwd, "node_modules", OWN_NAME);
  if (existsSync(virtualRoot)) return;
  const sys = tslabTypeScript().sys;
  const map = (p: string): string => {
    if (p === virtualRoot) return own;
    if (p.startsWith(virtualRoot + sep) || p.startsWith(virtualRoot + "/")) return own + p.slice(virtualRoot.length);
    return p;
  };
  const wrap = <K extends "fileExists" | "readFile" | "directoryExists" | "realpath" | "getModifiedTime">(key: K) => {
    const original = sys[key] as ((p: string, ...rest: unknown[]) => unknown) | undefined;
    if (!original) return;
    (sys as Record<string, unknown>)[key] = (p: string, ...rest: unknown[]) => original.call(sys, map(p), ...rest);
  };
  if (forwarded === null) {
    wrap("fileExists");
    wrap("readFile");
    wrap("directoryExists");
    wrap("realpath");
    wrap("getModifiedTime");
  }
  forwarded = cwd;
}

let directoryWatchingOff = false;

/** Makes TypeScript's directory watchers inert for tslab's converter (see the header). */
export function disableDirectoryWatching(): void {
  if (directoryWatchingOff) return;
  const sys = tslabTypeScript().sys;
  if (sys.watchDirectory) sys.watchDirectory = () => ({ close() {} });
  directoryWatchingOff = true;
}

/** The converter errors that mean its timer bookkeeping broke: recreate it and retry. */
export function isConverterTimerError(e: unknown): boolean {
  return e instanceof Error && /rebuildTimer|clearing unexpected ti/i.test(e.message);
}

/** True for "pssr-lab" and its subpaths ("pssr-lab/kernel"). */
export function isOwnPackageId(id: string): boolean {
  return id === OWN_NAME || id.startsWith(OWN_NAME + "/");
}

/** require() of "pssr-lab[/...]" through the package's own self-reference. */
export function requireOwnPackage(id: string): unknown {
  return createRequire(join(packageRoot(), "package.json"))(id);
}

/** `{ a, b = 1 }` -> `{ a: a, b: b = 1 }` in object literals (binding patterns are untouched). */
export function expandShorthandProperties(src: string): string {
  if (!src.includes("{")) return src;
  const ts = tslabTypeScript();
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: unknown): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = (node as { name: { text: string; end: number } }).name;
      inserts.push({ at: name.end, text: `: ${name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (inserts.length === 0) return src;
  let out = src;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
