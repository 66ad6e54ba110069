// Runs TypeScript cells. tslab's converter (tslab/dist/converter: a TypeScript watch program
// over the cell, the declarations of earlier cells and the notebook folder's files) does the
// type-checking and emits CommonJS; this module runs the output in the kernel's own context
// and, unlike tslab's executor, returns the last expression's value instead of printing it,
// turns errors into a traceback pointing at cell lines, and can interrupt a running async cell.
import Module, { createRequire } from "node:module";
import { dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { inspect } from "node:util";

// Types of tslab's converter, written out here to keep our .d.ts free of tslab's embedded TypeScript.
interface Diagnostic {
  start: { offset: number; line: number; character: number };
  messageText: string;
  code: number;
  fileName?: string;
}
interface ConvertResult {
  output?: string;
  declOutput?: string;
  diagnostics: Diagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: { path: string; data: string }[];
}
interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): QuickInfo | undefined;
  complete(prevDecl: string, src: string, position: number): { start: number; end: number; candidates: string[] };
  close(): void;
  addModule(name: string, content: string, meta?: unknown): Diagnostic[];
}
interface QuickInfo {
  displayParts?: { text: string }[];
  documentation?: { text: string }[];
  tags?: { name: string; text?: { text: string }[] }[];
}

import {
  disableDirectoryWatching,
  expandShorthandProperties,
  forwardOwnPackageForTypes,
  isConverterTimerError,
  isOwnPackageId,
  requireOwnPackage,
  tslabTypeScript,
} from "./converter-fixes.js";
import { CellRun, real, type InterruptState } from "./interrupt.js";

const requireHere = createRequire(import.meta.url);

function newConverter(): Converter {
  const { createConverter } = requireHere("tslab/dist/converter") as { createConverter(o?: object): Converter };
  return createConverter({ isJS: false, isBrowser: false });
}
const CELL_ARGS = Symbol.for("pssr.kernel.cellArgs");
/** This folder: the prelude's types come from here (see ConvertCache.declarationsCacheable). */
const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));

/** A failed cell as Jupyter shows it (the error message / execute_reply fields). */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type CellOutcome = { ok: true; hasValue: boolean; value?: unknown } | { ok: false; error: CellError };

/** Thrown into (and reported for) a cell stopped by interrupt_request or SIGINT. */
export class InterruptError extends Error {
  constructor() {
    super("the cell was interrupted");
    this.name = "KeyboardInterrupt";
  }
}

export interface ExecutorOptions {
  /** Folder imports are resolved from (the notebook's folder); default process.cwd(). */
  rootDir?: string;
  /** Values every cell sees as top-level names, and their TypeScript declarations. */
  prelude?: { declarations: string; values: Record<string, unknown> };
  /** Values returned for require(name) before normal resolution (e.g. "tslab"). */
  modules?: Record<string, unknown>;
  /** How long an interrupted cell may take to stop by itself before it is abandoned. */
  interruptGraceMs?: number;
  /** Shared with the kernel's I/O thread, which may terminate a cell stuck in synchronous code. */
  interruptState?: InterruptState;
}

const ANSI = { red: "\x1b[31m", green: "\x1b[32m", cyan: "\x1b[36m", bold: "\x1b[1m", reset: "\x1b[0m" };

export class Executor {
  private converter: Converter;
  private readonly rootDir: string;
  private readonly exportsObj: Record<string, unknown>;
  private readonly require: NodeJS.Require;
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, Module>();
  private readonly metadata: (src: string) => { module?: string; mode?: string; jsx?: boolean };
  private readonly graceMs: number;
  private prevDecl: string;
  private readonly convertCache = new ConvertCache(64);
  private running: { run: CellRun; forceStop: (e: unknown) => void; grace: NodeJS.Timeout | null } | null = null;
  private readonly state: InterruptState | null;

  constructor(options: ExecutorOptions = {}) {
    this.rootDir = options.rootDir ?? process.cwd();
    const envGrace = Number(process.env.PSSR_KERNEL_INTERRUPT_GRACE_MS);
    this.graceMs = options.interruptGraceMs ?? (Number.isFinite(envGrace) && envGrace >= 0 ? envGrace : 5000);
    this.state = options.interruptState ?? null;
    // The converter takes the folder from ts.sys.getCurrentDirectory(), i.e. process.cwd().
    forwardOwnPackageForTypes(process.cwd());
    disableDirectoryWatching();
    this.metadata = (requireHere("tslab/dist/metadata") as { getCodeMetadata: Executor["metadata"] }).getCodeMetadata;
    this.converter = newConverter();
    this.prevDecl = options.prelude?.declarations ?? "";
    this.exportsObj = this.createExports();
    Object.assign(this.exportsObj, options.prelude?.values ?? {});
    const { createRequire: tslabRequire } = requireHere("tslab/dist/executor") as { createRequire(root: string): NodeJS.Require };
    this.require = this.wrapRequire(tslabRequire(this.rootDir), this.rootDir, options.modules ?? {});
  }

  /** Top-level names defined by cells so far. */
  get locals(): Record<string, unknown> {
    return this.exportsObj;
  }

  /**
   * Compiles and runs one cell. Its signal (`run.controller`) is aborted by `interrupt()`; a
   * cell that does not stop within the grace period, or whose synchronous code the I/O thread
   * had to terminate, is abandoned (its reply says KeyboardInterrupt). An interrupted cell's
   * leftovers are stopped (CellRun.stop).
   */
  async execute(src: string, cellName: string, run = new CellRun(new AbortController())): Promise<CellOutcome> {
    const controller = run.controller;
    const meta = this.metadata(src);
    if (meta.module) {
      const diags = this.converter.addModule(meta.module, src, meta);
      return diags.length ? { ok: false, error: diagnosticsError(diags, src, cellName) } : { ok: true, hasValue: false };
    }
    if (meta.mode === "browser") return { ok: true, hasValue: false };
    // Nothing but whitespace and comments: nothing to check or run, and the declarations stay
    // as they are (converting would only re-emit them), so the converter is not asked.
    if (isBlankCode(src)) return { ok: true, hasValue: false };
    const converted = this.convert(expandShorthandProperties(src));
    for (const out of converted.sideOutputs ?? []) {
      this.sideModules.delete(out.path);
      this.sideOutputs.set(out.path, out.data);
    }
    if (converted.diagnostics.length > 0) return { ok: false, error: diagnosticsError(converted.diagnostics, src, cellName) };
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? "";
      return { ok: true, hasValue: false };
    }
    const output = converted.output;
    // Interrupted while being type-checked: its code does not run.
    if (controller.signal.aborted) return { ok: false, error: interruptError(cellName, false) };
    let forceStop!: (e: unknown) => void;
    const forced = new Promise<never>((_, reject) => (forceStop = reject));
    forced.catch(() => {});
    this.running = { run, forceStop, grace: null };
    try {
      const prefix = converted.hasToplevelAwait ? "(async function (exports, require) { " : "(function (exports, require) { ";
      const args = ((globalThis as Record<symbol, unknown>)[CELL_ARGS] = { exports: this.exportsObj, require: this.require });
      void args;
      // breakOnSigint: a SIGINT during the synchronous part throws out of this call (state 2:
      // the I/O thread leaves this part to SIGINT; terminating it would unwind the kernel too).
      if (this.state) {
        this.state.nextRun();
        this.state.cell = 2;
      }
      const result = vm.runInThisContext(
        `${prefix}${output}\n})(globalThis[Symbol.for("pssr.kernel.cellArgs")].exports, globalThis[Symbol.for("pssr.kernel.cellArgs")].require)`,
        { filename: cellName, breakOnSigint: true },
      );
      if (this.state) this.state.cell = 1;
      if (converted.hasToplevelAwait) await Promise.race([result, forced]);
    } catch (e) {
      // Names the cell declared stay known (as in Python, assignments before the error remain).
      this.prevDecl = converted.declOutput ?? this.prevDecl;
      const interrupted = controller.signal.aborted || isSigintError(e);
      return { ok: false, error: interrupted ? interruptError(cellName, run.abandoned) : runtimeError(e, output, src, cellName) };
    } finally {
      if (this.state) this.state.cell = 0;
      if (this.running?.grace) real.clearTimeout(this.running.grace);
      this.running = null;
      // An interrupted cell's intervals (and an abandoned one's pending timeouts) stop now.
      if (controller.signal.aborted) run.stop(run.abandoned);
    }
    this.prevDecl = converted.declOutput ?? "";
    // A cell that stopped by itself after an interrupt still reports the interrupt.
    if (controller.signal.aborted) return { ok: false, error: interruptError(cellName, false) };
    const name = converted.lastExpressionVar;
    if (name && name in this.exportsObj) {
      const value = this.exportsObj[name];
      delete this.exportsObj[name];
      return { ok: true, hasValue: value !== undefined, value };
    }
    return { ok: true, hasValue: false };
  }

  /**
   * Converts a cell, from the cache when the same code was converted after the same
   * declarations (see ConvertCache); a converter whose timer bookkeeping broke is replaced
   * once (see converter-fixes).
   */
  private convert(src: string): ConvertResult {
    const cacheable = ConvertCache.cacheable(src) && ConvertCache.declarationsCacheable(this.prevDecl, KERNEL_DIR, process.cwd());
    const hit = cacheable ? this.convertCache.get(this.prevDecl, src) : undefined;
    if (hit) return hit;
    const result = this.convertUncached(src);
    if (cacheable) this.convertCache.set(this.prevDecl, src, result);
    return result;
  }

  private convertUncached(src: string): ConvertResult {
    return this.guard(() => this.convertUnguarded(src));
  }

  private convertUnguarded(src: string): ConvertResult {
    try {
      return this.converter.convert(this.prevDecl, src);
    } catch (e) {
      if (!isConverterTimerError(e)) throw e;
      try {
        this.converter.close();
      } catch {
        // the broken converter may fail to close; it is dropped either way
      }
      this.converter = newConverter();
      return this.converter.convert(this.prevDecl, src);
    }
  }

  /** Evaluates an expression for user_expressions without keeping its declarations. */
  async evaluate(expr: string, cellName: string): Promise<CellOutcome> {
    const saved = this.prevDecl;
    const outcome = await this.execute(expr, cellName);
    this.prevDecl = saved;
    return outcome;
  }

  /**
   * Aborts the running cell's signal and abandons the cell after the grace period, or at once
   * when `terminated` (the I/O thread stopped its synchronous code, so its continuation is gone).
   */
  interrupt(terminated = false): boolean {
    const running = this.running;
    if (!running) return false;
    running.run.controller.abort(new InterruptError());
    const abandon = () => {
      running.run.abandoned = true;
      running.forceStop(new InterruptError());
    };
    if (terminated) abandon();
    else if (!running.grace) {
      running.grace = real.setTimeout(abandon, this.graceMs);
      running.grace.unref();
    }
    return true;
  }

  /** Runs the kernel's own synchronous work so that the I/O thread never terminates it. */
  private guard<T>(fn: () => T): T {
    return this.state ? this.state.guard(fn) : fn();
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  complete(src: string, cursor: number): { start: number; end: number; matches: string[] } {
    const info = this.guard(() => this.converter.complete(this.prevDecl, src, cursor));
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /** Quick info (type and doc comment) at the cursor, or null. */
  inspect(src: string, cursor: number): string | null {
    const info = this.guard(() => this.converter.inspect(this.prevDecl, src, cursor));
    if (!info) return null;
    const parts = (info.displayParts ?? []).map((p) => p.text).join("");
    const docs = (info.documentation ?? []).map((d) => d.text).join("\n");
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${(t.text ?? []).map((x) => x.text).join("")}`).join("\n");
    return [parts, docs, tags].filter((s) => s.length > 0).join("\n\n");
  }

  close(): void {
    this.converter.close();
  }

  private createExports(): Record<string, unknown> {
    const target: Record<string, unknown> = {};
    // TypeScript's CommonJS output defines imported names with getters; store plain values
    // so later cells may reassign them.
    return new Proxy(target, {
      defineProperty(_t, prop, attrs) {
        if (prop === "__esModule") return true;
        target[prop as string] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
  }

  /** require() for cells: preset modules, then files compiled by the converter, then Node's resolution. */
  private wrapRequire(base: NodeJS.Require, dir: string, modules: Record<string, unknown>): NodeJS.Require {
    const self = this;
    const fromSideOutputs = (id: string): unknown => {
      if (!id.startsWith(".") && !id.startsWith("/")) return undefined;
      let file = join(dir, id).replace(/\\/g, "/");
      if (extname(file) === "") file += ".js";
      const cached = self.sideModules.get(file);
      if (cached) return cached.exports;
      const code = self.sideOutputs.get(file);
      if (code === undefined) return undefined;
      const mod = new Module(file) as Module & { _compile(code: string, file: string): void; paths: string[] };
      mod.filename = file;
      mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(dirname(file));
      (mod as unknown as { require: NodeJS.Require }).require = self.wrapRequire(mod.require.bind(mod) as NodeJS.Require, dirname(file), modules);
      self.sideModules.set(file, mod);
      mod._compile(code, file);
      return mod.exports;
    };
    return new Proxy(base, {
      apply(_t, thisArg, args: unknown[]) {
        const id = args[0];
        if (args.length === 1 && typeof id === "string") {
          if (Object.prototype.hasOwnProperty.call(modules, id)) return modules[id];
          const side = fromSideOutputs(id);
          if (side !== undefined) return side;
          if (isOwnPackageId(id)) {
            try {
              return Reflect.apply(base, thisArg, args);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
              return requireOwnPackage(id);
            }
          }
        }
        return Reflect.apply(base, thisArg, args);
      },
    });
  }
}

/**
 * Recent conversions by (declarations of earlier cells, cell code). tslab's converter rebuilds
 * its TypeScript program, type-checks and emits on every call, which is most of the time of a
 * small cell; re-running a cell after the same declarations (a display cell, a training cell
 * run again) gives the same output, diagnostics, declarations and last-expression name.
 * That holds only while the result depends on nothing but those two strings and the ambient
 * types: cells that import or require anything (their modules' files may have changed, and
 * their conversion emits side outputs) or use triple-slash references are never cached.
 */
export class ConvertCache {
  private readonly entries = new Map<string, ConvertResult>();

  constructor(private readonly capacity: number) {}

  /** Whether a cell's conversion depends only on its code and the earlier declarations. */
  static cacheable(src: string): boolean {
    return !/\bimport\b|\brequire\b|\/\/\/\s*<reference|\bexport\b/.test(src);
  }

  /**
   * Whether the declarations of earlier cells depend only on themselves: an earlier import
   * leaves `import ... from "./file"` or `import("./file")` types in them, and that file may
   * change. The prelude's own `import("<this folder>/api.js")` types are exempt: the kernel's
   * files do not change while it runs.
   */
  static declarationsCacheable(prevDecl: string, ownDir: string, cwd: string): boolean {
    const own = (spec: string) => {
      const file = isAbsolute(spec) ? spec : spec.startsWith(".") ? resolve(cwd, spec) : "";
      return file !== "" && (file === ownDir || file.startsWith(ownDir + sep) || file.startsWith(ownDir + "/"));
    };
    const rest = prevDecl.replace(/\bimport\(\s*(["'])([^"']*)\1\s*\)/g, (m, _q: string, spec: string) => (own(spec) ? "" : m));
    return ConvertCache.cacheable(rest);
  }

  get(prevDecl: string, src: string): ConvertResult | undefined {
    const key = ConvertCache.key(prevDecl, src);
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(prevDecl: string, src: string, result: ConvertResult): void {
    if (result.sideOutputs?.length) return;
    const key = ConvertCache.key(prevDecl, src);
    this.entries.delete(key);
    this.entries.set(key, result);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }

  private static key(prevDecl: string, src: string): string {
    return `${prevDecl.length}:${prevDecl}\u0000${src}`;
  }
}

/** True for code that is only whitespace and comments (TypeScript's scanner decides). */
export function isBlankCode(src: string): boolean {
  if (src.trim() === "") return true;
  if (!src.includes("/")) return false;
  const ts = tslabTypeScript() as unknown as TsScanning;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true);
  scanner.setText(src);
  return scanner.scan() === ts.SyntaxKind.EndOfFileToken;
}

interface TsScanning {
  createScanner(target: number, skipTrivia: boolean): { setText(s: string): void; scan(): number };
  ScriptTarget: { Latest: number };
  SyntaxKind: { EndOfFileToken: number };
}

function isSigintError(e: unknown): boolean {
  return e instanceof Error && /interrupted by `?SIGINT/i.test(e.message);
}

function interruptError(cellName: string, abandoned: boolean): CellError {
  const traceback = [`${ANSI.red}KeyboardInterrupt${ANSI.reset}: ${cellName} was interrupted`];
  // Says what happened to code that did not stop by itself (see kernel-setup/README.md).
  if (abandoned) traceback.push("It did not stop by itself: its code was stopped and its timers cleared.");
  return { ename: "KeyboardInterrupt", evalue: "the cell was interrupted", traceback };
}

function sourceLineWithCaret(src: string, line: number, column: number): string[] {
  const text = src.split("\n")[line];
  if (text === undefined) return [];
  return [`   ${String(line + 1).padStart(3)} | ${text}`, `       | ${" ".repeat(Math.max(0, column))}${ANSI.red}^${ANSI.reset}`];
}

/** Type errors: one entry per diagnostic with its cell line and a caret. */
function diagnosticsError(diags: Diagnostic[], src: string, cellName: string): CellError {
  const traceback: string[] = [];
  for (const d of diags) {
    const where = d.fileName ? `${d.fileName} ` : `${cellName} `;
    traceback.push(`${ANSI.red}${where}line ${d.start.line + 1}, column ${d.start.character + 1}${ANSI.reset}: ${d.messageText} (TS${d.code})`);
    if (!d.fileName) traceback.push(...sourceLineWithCaret(src, d.start.line, d.start.character));
  }
  return {
    ename: "TypeScriptError",
    evalue: diags.map((d) => `line ${d.start.line + 1}: ${d.messageText}`).join("; "),
    traceback,
  };
}

const TOKEN = /[A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\d+(?:\.\d+)?/g;

function tokens(line: string): string[] {
  return (line.match(TOKEN) ?? []).filter((t) => t !== "exports");
}

/**
 * Maps lines of the compiled cell to lines of the TypeScript source. The converter keeps
 * statements in order, one per line, so a forward scan matching identifiers and literals
 * line by line recovers the source line of each compiled line.
 */
export function mapCompiledLines(compiled: string, src: string): number[] {
  const srcLines = src.split("\n").map((l) => new Set(tokens(l)));
  const lines = compiled.split("\n");
  const out: number[] = [];
  // The CommonJS preamble (helpers, __esModule, `exports.a = exports.b = void 0`) has no source.
  let start = lines.findIndex((l) => l.startsWith('Object.defineProperty(exports, "__esModule"'));
  if (start >= 0 && /^exports\.[\w$]+ = .*void 0;$/.test(lines[start + 1] ?? "")) start++;
  let p = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    // `exports.x = x;` after a declaration belongs to the declaration's line.
    const toks = k <= start || /^\s*exports\.([\w$]+) = \1;$/.test(line) ? [] : tokens(line);
    let best = -1;
    let bestScore = 0;
    for (let i = p; i < Math.min(srcLines.length, p + 12) && toks.length > 0; i++) {
      let hit = 0;
      for (const t of toks) if (srcLines[i].has(t)) hit++;
      // Prefer the nearest of equally good lines.
      const score = hit / toks.length - 0.01 * (i - p);
      if (score > bestScore + 1e-9) {
        bestScore = score;
        best = i;
      }
    }
    if (best >= 0 && bestScore >= 0.5) p = best;
    out.push(p);
  }
  return out;
}

/** A runtime error: name, message, then the stack with cell frames mapped to cell lines. */
function runtimeError(e: unknown, compiled: string, src: string, cellName: string): CellError {
  if (!(e instanceof Error)) {
    return { ename: "Error", evalue: `non-Error value thrown: ${inspect(e)}`, traceback: [`${ANSI.red}Uncaught${ANSI.reset} ${inspect(e)}`] };
  }
  const map = mapCompiledLines(compiled, src);
  const lastLine = compiled.split("\n").length + 1;
  const srcLines = src.split("\n");
  const traceback = [`${ANSI.red}${ANSI.bold}${e.name}${ANSI.reset}: ${e.message}`];
  const kernelDir = dirname(fileURLToPath(import.meta.url));
  const frames = (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  for (const frame of frames) {
    if (frame.includes(kernelDir) || /\(node:|at node:/.test(frame) || frame.includes("evalmachine.<anonymous>")) continue;
    const m = frame.match(new RegExp(`^\\s+at (?:(.*?) \\()?${escapeRegExp(cellName)}:(\\d+):(\\d+)\\)?$`));
    if (m) {
      // The last compiled line is the wrapper's own invocation, not user code.
      if (Number(m[2]) >= lastLine) continue;
      const line = map[Number(m[2]) - 1] ?? 0;
      const fn = m[1] && m[1] !== "eval" && !m[1].startsWith("Object.") ? m[1] : "<cell>";
      traceback.push(`${ANSI.green}${cellName}${ANSI.reset}, line ${ANSI.cyan}${line + 1}${ANSI.reset}, in ${fn}`);
      if (srcLines[line] !== undefined) traceback.push(`    ${srcLines[line].trim()}`);
    } else {
      traceback.push(frame.replace(/^\s+/, "  "));
    }
  }
  return { ename: e.name, evalue: e.message, traceback };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
