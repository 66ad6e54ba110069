// Interrupting cells that do not stop by themselves. Two pieces:
// - InterruptState: a few shared 32-bit words between the main thread and the I/O thread, so
//   that the I/O thread can tell whether the interrupted cell still runs while the main
//   thread's event loop has stopped turning (code spinning after an `await`, which SIGINT
//   cannot reach), and whether it is safe to stop the main thread's JavaScript then
//   (Runtime.terminateExecution through the inspector): never while the kernel's own long
//   synchronous work runs (the TypeScript converter, rendering a display), never inside vm's
//   breakOnSigint (SIGINT breaks that part cleanly).
// - CellRun and the timer hooks: every timer a cell (or its async continuations) creates is
//   recorded on the cell's run, so that an interrupted cell leaves no interval ticking, an
//   abandoned one no pending timeout, its code schedules no new timer once it was stopped (a
//   detached async loop freezes at its next timer), and its later output is refused
//   (process.stdout.write throws KeyboardInterrupt; console.log swallows that).
import { requestStorage } from "./context.js";

const SLOT = {
  /** 0 no cell; 1 a cell's async part may run; 2 the cell's synchronous part (vm call, breakOnSigint). */
  cell: 0,
  /** >0 while the kernel's own long synchronous work runs (do not terminate). */
  guard: 1,
  /** Interrupt sequence numbers handed out by the I/O thread. */
  seq: 2,
  /** Incremented per cell run (which run an interrupt was meant for). */
  run: 3,
  /** Incremented by the main thread every BEAT_MS while its event loop turns. */
  beat: 4,
} as const;

/** How often the main thread shows the I/O thread that its event loop turns. */
export const BEAT_MS = 50;

export class InterruptState {
  readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8 * 4)) {
    this.words = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  get cell(): number {
    return Atomics.load(this.words, SLOT.cell);
  }
  set cell(v: number) {
    Atomics.store(this.words, SLOT.cell, v);
  }

  get guarded(): boolean {
    return Atomics.load(this.words, SLOT.guard) > 0;
  }

  /** Runs `fn` marked as the kernel's own work: the I/O thread will not terminate it. */
  guard<T>(fn: () => T): T {
    Atomics.add(this.words, SLOT.guard, 1);
    try {
      return fn();
    } finally {
      Atomics.sub(this.words, SLOT.guard, 1);
    }
  }

  get runId(): number {
    return Atomics.load(this.words, SLOT.run);
  }
  nextRun(): number {
    return Atomics.add(this.words, SLOT.run, 1) + 1;
  }

  get beat(): number {
    return Atomics.load(this.words, SLOT.beat);
  }
  /** Starts the main thread's beat (an unref'd interval). */
  startBeat(): NodeJS.Timeout {
    const t = real.setInterval(() => Atomics.add(this.words, SLOT.beat, 1), BEAT_MS);
    t.unref();
    return t;
  }

  nextSeq(): number {
    return Atomics.add(this.words, SLOT.seq, 1) + 1;
  }
  get seq(): number {
    return Atomics.load(this.words, SLOT.seq);
  }

}

/** One cell execution: its abort controller and the timers its code created. */
export class CellRun {
  /** Set once the cell was interrupted and its reply is decided: its leftovers must stop. */
  stopped = false;
  /** Set when the cell was abandoned (terminated, or it ignored the interrupt): pending timeouts never fire. */
  abandoned = false;
  readonly timers = new Set<Timer>();

  constructor(readonly controller: AbortController) {}

  /** Clears the cell's intervals (and, when abandoned, its pending timeouts and immediates). */
  stop(abandoned: boolean): void {
    this.stopped = true;
    this.abandoned = this.abandoned || abandoned;
    for (const t of this.timers) {
      if (t.kind === "interval") real.clearInterval(t.handle as NodeJS.Timeout);
      else if (this.abandoned) (t.kind === "immediate" ? real.clearImmediate(t.handle as NodeJS.Immediate) : real.clearTimeout(t.handle as NodeJS.Timeout));
      else continue;
      this.timers.delete(t);
    }
  }
}

interface Timer {
  kind: "timeout" | "interval" | "immediate";
  handle: unknown;
}

/** The timer functions as they were before the hooks (kernel code uses these for its own timers). */
export const real = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
  clearTimeout: globalThis.clearTimeout,
  clearInterval: globalThis.clearInterval,
  clearImmediate: globalThis.clearImmediate,
};

/** The cell run whose async context is current, if any. */
export function currentRun(): CellRun | undefined {
  return requestStorage().getStore()?.run;
}

const owners = new WeakMap<object, { run: CellRun; timer: Timer }>();
let installed = false;

/**
 * Replaces the global timer functions with ones that record timers created inside a cell's
 * async context on its CellRun (Node's promisified forms are kept as they were).
 */
export function installTimerHooks(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  const wrapSet = (name: "setTimeout" | "setInterval" | "setImmediate", kind: Timer["kind"]) => {
    const original = real[name] as (...a: unknown[]) => unknown;
    const hooked = function (this: unknown, cb: unknown, ...rest: unknown[]): unknown {
      const run = currentRun();
      if (!run || typeof cb !== "function") return original.call(this, cb, ...rest);
      if (run.stopped) {
        // An interrupted cell's leftovers (a detached async loop) schedule nothing more: the
        // handle is real (callers may clear or unref it) but already cleared.
        const h = original.call(this, () => undefined, ...rest);
        (kind === "interval" ? real.clearInterval : kind === "immediate" ? real.clearImmediate : real.clearTimeout)(h as never);
        return h;
      }
      const timer: Timer = { kind, handle: null };
      const wrapped = function (this: unknown, ...args: unknown[]) {
        if (kind !== "interval") run.timers.delete(timer);
        if (run.abandoned) return undefined;
        return (cb as (...a: unknown[]) => unknown).apply(this, args);
      };
      timer.handle = original.call(this, wrapped, ...rest);
      run.timers.add(timer);
      if (timer.handle && typeof timer.handle === "object") owners.set(timer.handle as object, { run, timer });
      return timer.handle;
    };
    // util.promisify(setTimeout) and friends keep working.
    for (const key of Reflect.ownKeys(original)) {
      if (key === "length" || key === "name" || key === "prototype") continue;
      const d = Object.getOwnPropertyDescriptor(original, key);
      if (d) Object.defineProperty(hooked, key, d);
    }
    g[name] = hooked;
  };
  const wrapClear = (name: "clearTimeout" | "clearInterval" | "clearImmediate") => {
    const original = real[name] as (h: unknown) => void;
    g[name] = function (handle: unknown) {
      if (handle && typeof handle === "object") {
        const o = owners.get(handle as object);
        if (o) o.run.timers.delete(o.timer);
      }
      return original(handle);
    };
  };
  wrapSet("setTimeout", "timeout");
  wrapSet("setInterval", "interval");
  wrapSet("setImmediate", "immediate");
  wrapClear("clearTimeout");
  wrapClear("clearInterval");
  wrapClear("clearImmediate");
}

// Node's async_hooks bookkeeping and a terminated execution. Terminating JavaScript skips the
// `finally`s that pop Node's async-id stack, and Node then aborts the process on its own
// consistency checks (callback.cc "execution_async_id() == 0", with AsyncLocalStorage
// enabled). So the I/O thread first runs prepareForTermination on this thread (Runtime.evaluate
// is dispatched between the spinning code's statements), which turns those checks off, and
// the main thread's first message afterwards (afterTermination) empties the stale stack and
// turns them back on.
interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  constants: { kTotals: number; kCheck: number };
  clearAsyncIdStack(): void;
}

let asyncWrap: AsyncWrapBinding | null | undefined;
let savedChecks: [number, number] | null = null;

function asyncWrapBinding(): AsyncWrapBinding | null {
  if (asyncWrap !== undefined) return asyncWrap;
  const quiet = process.noDeprecation;
  try {
    // process.binding is deprecated (DEP0111) but is the only way to reach these fields.
    process.noDeprecation = true;
    const b = (process as unknown as { binding(name: string): AsyncWrapBinding }).binding("async_wrap");
    asyncWrap = b && b.async_hook_fields && typeof b.clearAsyncIdStack === "function" ? b : null;
  } catch {
    asyncWrap = null;
  } finally {
    process.noDeprecation = quiet;
  }
  return asyncWrap;
}

/** What the I/O thread evaluates on this thread right before Runtime.terminateExecution. */
export const PREPARE_TERMINATION = 'globalThis[Symbol.for("pssr.kernel.prepareTermination")]?.()';

export function installTerminationHooks(): boolean {
  const b = asyncWrapBinding();
  if (!b) return false;
  (globalThis as Record<symbol, unknown>)[Symbol.for("pssr.kernel.prepareTermination")] = () => {
    const f = b.async_hook_fields;
    const { kTotals, kCheck } = b.constants;
    if (!savedChecks) savedChecks = [f[kTotals], f[kCheck]];
    f[kTotals] = 0;
    f[kCheck] = 0;
    return true;
  };
  return true;
}

/** Called on the main thread once its terminated stack has unwound. */
export function afterTermination(): void {
  const b = asyncWrapBinding();
  if (!b || !savedChecks) return;
  b.clearAsyncIdStack();
  const f = b.async_hook_fields;
  f[b.constants.kTotals] = savedChecks[0];
  f[b.constants.kCheck] = savedChecks[1];
  savedChecks = null;
}
