// A pool of worker threads for our convolution module. tfjs-backend-wasm 4.22 runs one thread
// in Node (its threaded build is off there) and its memory is not shared, so the pool owns one
// shared WebAssembly.Memory on which every thread (the main thread included) instantiates the
// shared build of native/conv.c. A call copies its operands in from tfjs's heap (O(n) against
// the GEMM's O(n K^2 Cout)), splits the output rows between the threads, waits for all of them
// (Atomics.wait: tfjs kernels are synchronous) and the caller copies the result back.
// The GEMM sums each output element over the same K blocks in the same order whatever rows a
// thread owns, so any thread count gives the same bits.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { PssrError } from "../errors.js";
import { CONV_CALL_NAMES, CONV_CALLS, STACK_BYTES, UNSPLIT_CALLS, type ConvCallName, type ConvExports } from "./conv-calls.js";
import { CTRL } from "./conv-pool-layout.js";
import { CONV_WASM_MAX_SHARED_BYTES, CONV_WASM_SHARED_BASE64 } from "./conv-wasm-binary.js";

const PAGE_BYTES = 65536;
/** Row blocks a thread gets are multiples of the micro-kernel's 4 rows. */
const ROW_ALIGN = 4;
/** How often a waiting main thread looks for workers that stopped. */
const WAIT_SLICE_MS = 100;

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export class ConvPool {
  readonly memory: WebAssembly.Memory;
  private readonly ctrl: Int32Array;
  private readonly main: ConvExports;
  private readonly ws: number[] = [];
  /** Where each call's operands start; `top` is the next free byte. */
  private readonly arenaBase: number;
  private top = 0;
  private broken: PssrError | null = null;
  /** One port per worker, on which it reports what threw (read synchronously). */
  private readonly errors: MessagePort[];
  private closed = false;
  /** Calls split between the threads so far (tests check the pool really ran). */
  splitCalls = 0;

  private constructor(
    readonly threads: number,
    private readonly workers: Worker[],
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctrl: SharedArrayBuffer,
    layout: { ws: number[]; stackTops: number[]; arenaBase: number },
    errors: MessagePort[],
  ) {
    this.memory = memory;
    this.ctrl = new Int32Array(ctrl);
    this.ws = layout.ws;
    this.arenaBase = layout.arenaBase;
    this.errors = errors;
    this.main = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as ConvExports;
    this.main.__stack_pointer.value = layout.stackTops[0];
    workers.forEach((w, i) =>
      w.on("exit", (code) => {
        if (!this.closed) this.markBroken(i + 1, `exited with code ${code}`);
      }),
    );
  }

  /** Starts `threads - 1` workers (the main thread is the first thread). */
  static async start(threads: number): Promise<ConvPool> {
    const module = new WebAssembly.Module(Buffer.from(CONV_WASM_SHARED_BASE64, "base64"));
    const wsFloats = (new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 16, maximum: 16, shared: true }) } }).exports as unknown as ConvExports).workspace_floats();
    // Per thread: its workspace, then its stack (which grows down from stackTop).
    const slotBytes = align(wsFloats * 4, 64) + STACK_BYTES;
    const ws: number[] = [];
    const stackTops: number[] = [];
    for (let t = 0; t < threads; t++) {
      ws.push(64 + t * slotBytes);
      stackTops.push(64 + (t + 1) * slotBytes);
    }
    const arenaBase = align(64 + threads * slotBytes, 64);
    const memory = new WebAssembly.Memory({
      initial: Math.ceil(arenaBase / PAGE_BYTES) + 16,
      maximum: CONV_WASM_MAX_SHARED_BYTES / PAGE_BYTES,
      shared: true,
    });
    const ctrl = new SharedArrayBuffer(CTRL.LENGTH * 4);
    const errors: MessagePort[] = [];
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 1; i < threads; i++) {
      const channel = new MessageChannel();
      errors.push(channel.port1);
      const w = new Worker(new URL("./conv-worker.js", import.meta.url), {
        workerData: { module, memory, ctrl, index: i, ws: ws[i], stackTop: stackTops[i], errors: channel.port2 },
        transferList: [channel.port2],
      });
      w.unref(); // an idle pool never keeps the process alive
      workers.push(w);
      ready.push(
        new Promise((resolve, reject) => {
          w.once("message", () => resolve());
          w.once("error", (e) => reject(new PssrError("worker-died", `conv thread ${i} failed to start: ${e.message}`)));
          w.once("exit", (code) => reject(new PssrError("worker-died", `conv thread ${i} exited with code ${code} while starting`)));
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      for (const p of errors) p.close();
      throw e;
    }
    return new ConvPool(threads, workers, module, memory, ctrl, { ws, stackTops, arenaBase }, errors);
  }

  private markBroken(slot: number, how: string): void {
    this.broken ??= new PssrError(
      "worker-died",
      `convolution thread ${slot} of ${this.threads} ${how}; the computation cannot finish (start again, or use --threads 1 / PSSR_THREADS=1)`,
    );
  }

  /** Forgets the previous call's operands. */
  resetArena(): void {
    this.top = this.arenaBase;
  }

  /** Reserves `bytes` (64-byte aligned) for an operand; grows the memory when needed. */
  place(bytes: number): number {
    const at = align(this.top, 64);
    this.top = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      if (this.top > CONV_WASM_MAX_SHARED_BYTES) throw new PssrError("invalid-argument", `a convolution needs ${this.top} bytes of thread-pool memory, more than its ${CONV_WASM_MAX_SHARED_BYTES}`);
      this.memory.grow(Math.ceil((this.top - have) / PAGE_BYTES));
    }
    return at;
  }

  /** A view of the shared memory (renewed: growing replaces the buffer). */
  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /**
   * Runs one call over rows [0, rows), split between the threads in ROW_ALIGN blocks (the main
   * thread computes the first part). Returns when every thread is done; throws a PssrError if a
   * worker died or failed.
   */
  run(name: ConvCallName, args: number[], rows: number): void {
    if (this.broken) throw this.broken;
    if (this.closed) throw new PssrError("worker-died", "the convolution thread pool was closed");
    const c = this.ctrl;
    const fn = CONV_CALL_NAMES.indexOf(name);
    const split = UNSPLIT_CALLS.has(name) ? 1 : this.threads;
    const chunk = align(Math.ceil(rows / split), ROW_ALIGN);
    for (let t = 0; t < this.threads; t++) {
      c[CTRL.RANGES + 2 * t] = Math.min(rows, t * chunk);
      c[CTRL.RANGES + 2 * t + 1] = t < split ? Math.min(rows, (t + 1) * chunk) : 0;
    }
    if (split === 1) c[CTRL.RANGES + 1] = rows;
    const busy = this.startWorkers(fn, args, split > 1);
    if (busy) this.splitCalls++;
    let mainError: unknown = null;
    try {
      CONV_CALLS[name](this.main, args, this.ws[0], c[CTRL.RANGES], c[CTRL.RANGES + 1]);
    } catch (e) {
      mainError = e;
    }
    if (busy) this.waitForWorkers();
    if (mainError) throw mainError;
  }

  private startWorkers(fn: number, args: number[], any: boolean): boolean {
    if (!any) return false;
    const c = this.ctrl;
    for (let i = 0; i < args.length; i++) c[CTRL.ARGS + i] = args[i];
    c[CTRL.FN] = fn;
    Atomics.store(c, CTRL.DONE, 0);
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    return true;
  }

  private waitForWorkers(): void {
    const c = this.ctrl;
    const want = this.workers.length;
    for (;;) {
      const done = Atomics.load(c, CTRL.DONE);
      if (done >= want) break;
      for (let i = 1; i <= want; i++) if (Atomics.load(c, CTRL.DEAD + i)) this.markBroken(i, "stopped");
      if (this.broken) throw this.broken;
      Atomics.wait(c, CTRL.DONE, done, WAIT_SLICE_MS);
    }
    const failed = Atomics.load(c, CTRL.ERROR);
    if (failed) {
      Atomics.store(c, CTRL.ERROR, 0);
      const msg = receiveMessageOnPort(this.errors[failed - 1])?.message as string | undefined;
      throw new Error(`convolution ${msg ?? `thread ${failed} failed`}`);
    }
  }

  /** Test hook: makes worker `slot` (1-based) exit in the middle of a call. */
  exitWorkerForTest(slot: number): void {
    this.startWorkers(CTRL.FN_EXIT_FOR_TEST, [slot], true);
    this.waitForWorkers();
  }

  /** Test hook: the workers, to kill one from outside. */
  workersForTest(): readonly Worker[] {
    return this.workers;
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.ctrl;
    c[CTRL.FN] = CTRL.FN_STOP;
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.errors) p.close();
  }
}
