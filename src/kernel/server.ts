// The kernel's messaging layer: Jupyter messaging protocol 5.3 over ZeroMQ. Shell and stdin
// are ROUTER sockets and iopub a PUB socket on the main thread; heartbeat (REP) and control
// (ROUTER) run on an I/O worker thread (io-worker.ts) so that they answer while a cell blocks
// the main thread, and interrupt_request becomes a SIGINT that can break synchronous code
// (and, for code SIGINT cannot reach, a terminated execution: see interrupt.ts).
// Every request gets iopub status busy/idle parented to it (comm messages included: the
// widget manager counts those idles to throttle its updates), as ipykernel does it: one
// request at a time in arrival order, busy when its turn starts and idle when it is done, so
// the front end never sees idle while a cell still runs or waits. Cells run in that order;
// other requests (comm messages, completion, control) are answered at once, out of turn, while
// an async cell awaits (which lets widgets talk to a running training loop): only their
// busy/idle pair waits for its turn.
import { randomUUID } from "node:crypto";
import { readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { Publisher, Router, type Socket } from "zeromq";
import { CommManager, toDataView, type CommMessage } from "./comm.js";
import { requestStorage, setKernel, type KernelRuntime, type PublishOptions, type RequestContext, type WidgetRecord } from "./context.js";
import { NO_RESULT_SYMBOL, flushDisplays, plainText, toMimeBundle } from "./display.js";
import { Executor, InterruptError, type CellError, type CellOutcome, type ExecutorOptions } from "./executor.js";
import { CellRun, InterruptState, afterTermination, installTerminationHooks, installTimerHooks, real } from "./interrupt.js";
import { runHeartbeat, type IoMessage, type IoWorkerData } from "./io-worker.js";
import { WIDGET_CONTROL_TARGET, WIDGET_TARGET, controlStates, widgetFromFrontend } from "./widget.js";
import {
  PROTOCOL_VERSION,
  Signer,
  WireError,
  decodeMessage,
  encodeMessage,
  endpoint,
  newHeader,
  type ConnectionInfo,
  type Message,
  type MessageHeader,
} from "./wire.js";

const requireHere = createRequire(import.meta.url);

/** Writes a line to the real stderr (not to a cell): kernel diagnostics. */
export function logKernel(line: string): void {
  try {
    writeSync(2, `[pssr kernel] ${line}\n`);
  } catch {
    // stderr closed: nothing to do.
  }
}

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}

/** Jupyter counts cursor positions in unicode code points; JS strings in UTF-16 units. */
export function codePointsToUtf16(text: string, cursor: number): number {
  let units = 0;
  let cps = 0;
  for (const ch of text) {
    if (cps >= cursor) break;
    units += ch.length;
    cps++;
  }
  return units;
}

export function utf16ToCodePoints(text: string, offset: number): number {
  return [...text.slice(0, offset)].length;
}

type Channel = "shell" | "control";

interface HistoryEntry {
  session: number;
  line: number;
  input: string;
}

export interface KernelServerOptions extends ExecutorOptions {
  connection: ConnectionInfo;
  /** Called once the kernel has shut down (after shutdown_request). */
  onShutdown?: (restart: boolean) => void;
  /** Heartbeat and control on the main thread (no I/O worker thread, no SIGINT on interrupt_request). */
  ioOnMainThread?: boolean;
}

export class KernelServer implements KernelRuntime {
  readonly session = randomUUID();
  readonly comms: CommManager;
  readonly widgets = new Map<string, WidgetRecord>();
  private readonly signer: Signer;
  private readonly info: ConnectionInfo;
  private readonly shell = new Router({ linger: 0 });
  /** On the main thread only when the I/O thread could not start. */
  private control: Router | null = null;
  private readonly stdin = new Router({ linger: 0 });
  private readonly iopub = new Publisher({ linger: 0 });
  private ioWorker: Worker | null = null;
  private hbSocket: Socket | null = null;
  private readonly sendChains = new Map<Socket, Promise<void>>();
  private executor!: Executor;
  private readonly options: KernelServerOptions;
  private executionCount = 0;
  /** Requests' busy/idle pairs in arrival order (see handle()). */
  private statusTurns: Promise<void> = Promise.resolve();
  private execSeq = 0;
  private readonly interruptState = new InterruptState();
  private abortThrough = 0;
  private lastExecute: RequestContext | null = null;
  /** The cell being handled (from its turn until its reply). */
  private currentRun: CellRun | null = null;
  private readonly history: HistoryEntry[] = [];
  private pendingInput: { resolve(v: string): void; reject(e: unknown): void } | null = null;
  private stream: { parent: Partial<MessageHeader>; name: "stdout" | "stderr"; text: string; since: number } | null = null;
  private streamTimer: NodeJS.Immediate | null = null;
  private restoreStreams: (() => void) | null = null;
  private stopped = false;
  private interruptBySignal = false;
  private readonly neverAborted = new AbortController().signal;
  private readonly onSigint = () => this.interrupt();
  private readonly done: Promise<boolean>;
  private resolveDone!: (restart: boolean) => void;

  constructor(options: KernelServerOptions) {
    this.options = options;
    this.info = options.connection;
    this.signer = new Signer(this.info.key);
    this.comms = new CommManager((type, content, opts) => this.publish(type, content, opts));
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Resolves when the kernel has shut down; true when a restart was asked for. */
  get finished(): Promise<boolean> {
    return this.done;
  }

  async start(): Promise<void> {
    if (!this.signer.enabled) {
      logKernel(
        "WARNING: the connection file has an empty key, so messages are not signed (the Jupyter protocol " +
          "allows this); anyone who can reach these ports can run code in this kernel.",
      );
    }
    const i = this.info;
    await Promise.all([
      this.shell.bind(endpoint(i, i.shell_port)),
      this.stdin.bind(endpoint(i, i.stdin_port)),
      this.iopub.bind(endpoint(i, i.iopub_port)),
    ]);
    await this.startIoThread(endpoint(i, i.hb_port), endpoint(i, i.control_port));
    setKernel(this);
    this.captureStreams();
    this.comms.registerTarget(WIDGET_CONTROL_TARGET, (comm) => {
      comm.onMsg((msg) => {
        if (msg.data?.method === "request_states") {
          const { content, buffers } = controlStates(this.widgets.values());
          comm.send(content, { buffers });
        }
      });
    });
    this.comms.registerTarget(WIDGET_TARGET, (comm, msg) => {
      widgetFromFrontend(comm, msg);
    });
    // interrupt_request arrives as a SIGINT from the I/O thread (and a terminal's Ctrl-C lands here too).
    process.on("SIGINT", this.onSigint);
    installTimerHooks();
    this.executor = this.interruptState.guard(() => new Executor({ ...this.options, interruptState: this.interruptState }));
    this.publishStatus("starting", {});
    this.receiveLoop(this.shell, "shell");
    if (this.control) this.receiveLoop(this.control, "control");
    else
      this.ioWorker?.on("message", (m: IoMessage) => {
        if (m.kind === "control") this.receiveFrames(m.frames.map((f) => Buffer.from(f)), "control");
        // The I/O thread stopped the interrupted cell's spinning code: its continuation is gone.
        else if (m.kind === "terminated") {
          afterTermination();
          this.interrupt(true);
        }
      });
    this.interruptState.startBeat();
    this.stdinLoop();
  }

  /** Heartbeat and control on a worker thread; both on the main thread if that fails. */
  private async startIoThread(hbAddress: string, controlAddress: string): Promise<void> {
    if (!this.options.ioOnMainThread) {
      try {
        const envAfter = Number(process.env.PSSR_KERNEL_TERMINATE_AFTER_MS);
        const workerData: IoWorkerData = {
          heartbeatAddress: hbAddress,
          controlAddress,
          key: this.info.key,
          interruptBuffer: this.interruptState.buffer,
          canTerminate: installTerminationHooks(),
          terminateAfterMs: Number.isFinite(envAfter) && envAfter >= 0 ? envAfter : undefined,
        };
        const worker = new Worker(new URL("./io-worker.js", import.meta.url), { workerData });
        const answer = await new Promise<IoMessage>((resolve) => {
          worker.once("message", resolve);
          worker.once("error", (e) => resolve({ kind: "error", message: e.message }));
        });
        if (answer.kind === "ready") {
          worker.unref();
          this.ioWorker = worker;
          this.interruptBySignal = true;
          // Without its I/O thread the kernel answers no heartbeat, control or interrupt: exit, so
          // that Jupyter's restarter sees a dead kernel instead of one that hangs.
          worker.on("error", (e) => logKernel(`I/O thread failed: ${e.stack ?? e}`));
          worker.on("exit", (code) => {
            if (this.stopped) return;
            logKernel(`I/O thread ended (exit code ${code}); the kernel exits so that Jupyter restarts it`);
            process.exit(1);
          });
          return;
        }
        logKernel(`I/O thread failed (${answer.kind === "error" ? answer.message : answer.kind}); heartbeat and control run on the main thread`);
        await worker.terminate();
      } catch (e) {
        logKernel(`I/O thread unavailable (${(e as Error).message}); heartbeat and control run on the main thread`);
      }
    }
    this.control = new Router({ linger: 0 });
    await this.control.bind(controlAddress);
    this.hbSocket = await runHeartbeat(hbAddress);
  }

  // ---------------------------------------------------------------- sending

  private send(sock: Socket, frames: Buffer[]): void {
    const prev = this.sendChains.get(sock) ?? Promise.resolve();
    const next = prev.then(() => (sock as Router).send(frames)).catch((e) => logKernel(`send failed: ${(e as Error).message}`));
    this.sendChains.set(sock, next);
  }

  private reply(channel: Channel, req: Message, msgType: string, content: unknown, metadata: Record<string, unknown> = {}): void {
    this.flushStream();
    const frames = encodeMessage(this.signer, req.identities, newHeader(msgType, this.session), req.header, metadata, content);
    if (channel === "shell") this.send(this.shell, frames);
    else if (this.control) this.send(this.control, frames);
    else this.ioWorker?.postMessage({ kind: "send", frames } satisfies IoMessage);
  }

  publish(msgType: string, content: unknown, options: PublishOptions = {}): void {
    if (this.stopped) return;
    // display()/clearOutput() from an interrupted cell's leftovers end them (widget messages still go).
    if (!options.parent && CELL_OUTPUTS.has(msgType) && requestStorage().getStore()?.run?.stopped) throw new InterruptError();
    const parent = options.parent ?? this.currentParent() ?? {};
    if (msgType !== "stream") this.flushStream();
    const topic = Buffer.from(`kernel.${this.session}.${msgType}`);
    this.send(this.iopub, encodeMessage(this.signer, [topic], newHeader(msgType, this.session), parent, options.metadata ?? {}, content, options.buffers ?? []));
  }

  private publishStatus(state: "busy" | "idle" | "starting", parent: Partial<MessageHeader>): void {
    this.publish("status", { execution_state: state }, { parent });
  }

  currentParent(): Partial<MessageHeader> | null {
    return requestStorage().getStore()?.parent ?? this.lastExecute?.parent ?? null;
  }

  currentSignal(): AbortSignal {
    return requestStorage().getStore()?.signal ?? this.neverAborted;
  }

  // ---------------------------------------------------------------- streams

  private captureStreams(): void {
    const out = process.stdout.write;
    const err = process.stderr.write;
    const hook = (name: "stdout" | "stderr", original: typeof out) =>
      ((chunk: unknown, encodingOrCb?: unknown, cb?: unknown) => {
        const ctx = requestStorage().getStore() ?? this.lastExecute;
        if (!ctx || this.stopped) return original.call(name === "stdout" ? process.stdout : process.stderr, chunk as string, encodingOrCb as BufferEncoding, cb as () => void);
        // Output of an interrupted cell's leftovers (a detached async loop) is refused (not that of
        // code with no context, which only falls back to the last cell's output).
        if (requestStorage().getStore()?.run?.stopped) throw new InterruptError();
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
        if (!ctx.silent) this.writeStream(ctx.parent, name, text);
        const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
        if (typeof done === "function") queueMicrotask(done as () => void);
        return true;
      }) as typeof out;
    process.stdout.write = hook("stdout", out);
    process.stderr.write = hook("stderr", err);
    this.restoreStreams = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  /** Coalesces stream text per parent and name; flushed on the next turn, before any other message, or every 100 ms in long synchronous loops. */
  private writeStream(parent: Partial<MessageHeader>, name: "stdout" | "stderr", text: string): void {
    const s = this.stream;
    if (s && (s.parent.msg_id !== parent.msg_id || s.name !== name)) this.flushStream();
    if (this.stream) this.stream.text += text;
    else this.stream = { parent, name, text, since: Date.now() };
    if (this.stream.text.length > 65536 || Date.now() - this.stream.since > 100) this.flushStream();
    else if (!this.streamTimer) this.streamTimer = real.setImmediate(() => this.flushStream());
  }

  private flushStream(): void {
    if (this.streamTimer) {
      real.clearImmediate(this.streamTimer);
      this.streamTimer = null;
    }
    const s = this.stream;
    if (!s) return;
    this.stream = null;
    this.publish("stream", { name: s.name, text: s.text }, { parent: s.parent });
  }

  // ---------------------------------------------------------------- receiving

  private receiveLoop(sock: Router, channel: Channel): void {
    (async () => {
      for await (const frames of sock) this.receiveFrames(frames as Buffer[], channel);
    })().catch((e) => {
      if (!this.stopped) logKernel(`${channel} loop ended: ${(e as Error).message}`);
    });
  }

  /** Verifies and dispatches one raw message; bad signatures are logged and dropped, never run. */
  private receiveFrames(frames: Buffer[], channel: Channel): void {
    let msg: Message;
    try {
      msg = decodeMessage(frames, this.signer);
    } catch (e) {
      logKernel(`dropped a ${channel} message: ${(e as Error).message}`);
      return;
    }
    this.handle(channel, msg).catch((e) => logKernel(`error handling ${msg.header.msg_type}: ${(e as Error).stack ?? e}`));
  }

  private stdinLoop(): void {
    (async () => {
      for await (const frames of this.stdin) {
        let msg: Message;
        try {
          msg = decodeMessage(frames as Buffer[], this.signer);
        } catch (e) {
          logKernel(`dropped a stdin message: ${(e as Error).message}`);
          continue;
        }
        if (msg.header.msg_type === "input_reply" && this.pendingInput) {
          const p = this.pendingInput;
          this.pendingInput = null;
          p.resolve(String(msg.content.value ?? ""));
        }
      }
    })().catch((e) => {
      if (!this.stopped) logKernel(`stdin loop ended: ${(e as Error).message}`);
    });
  }

  private context(msg: Message, signal: AbortSignal = this.neverAborted): RequestContext {
    return { parent: msg.header, identities: msg.identities, signal, allowStdin: false, silent: false };
  }

  /**
   * Handles one request. Its busy/idle pair takes its turn after every earlier request's
   * pair (ipykernel's order); an execute_request also runs only in its turn, other requests
   * are handled at once and only their pair waits.
   */
  private async handle(channel: Channel, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    let handled!: () => void;
    const done = new Promise<void>((r) => (handled = r));
    let started!: () => void;
    const turnStarted = new Promise<void>((r) => (started = r));
    const turn = this.statusTurns.then(async () => {
      this.publishStatus("busy", msg.header);
      started();
      if (type === "execute_request") await done;
      else {
        // A comm handler that never settles must not hold every later cell back (as it would
        // in ipykernel): its turn ends after OUT_OF_TURN_LIMIT_MS, its idle then published.
        let timer: NodeJS.Timeout | undefined;
        const limitMs = outOfTurnLimitMs();
        const limit = new Promise<void>((r) => (timer = real.setTimeout(r, limitMs)));
        const finished = await Promise.race([done.then(() => true), limit.then(() => false)]);
        real.clearTimeout(timer);
        if (!finished) logKernel(`${type} still running after ${limitMs / 1000} s: later requests go ahead`);
      }
      this.flushStream();
      this.publishStatus("idle", msg.header);
    });
    this.statusTurns = turn.catch((e) => logKernel(`status turn failed: ${(e as Error).stack ?? e}`));
    // Numbered on arrival, so that stop_on_error aborts exactly the cells sent before the failure.
    const execSeq = type === "execute_request" ? ++this.execSeq : 0;
    try {
      if (type === "execute_request") await turnStarted;
      await requestStorage().run(this.context(msg), () => this.dispatch(channel, type, msg, execSeq));
    } catch (e) {
      // Never leave a request unanswered: a failing handler still gets an error reply.
      logKernel(`error handling ${type}: ${(e as Error)?.stack ?? e}`);
      if (type.endsWith("_request")) {
        const evalue = String((e as Error)?.message ?? e);
        this.reply(channel, msg, type.replace(/_request$/, "_reply"), { status: "error", ename: "InternalError", evalue, traceback: [evalue] });
      }
    } finally {
      handled();
    }
  }

  private async dispatch(channel: Channel, type: string, msg: Message, execSeq: number): Promise<void> {
    const c = msg.content;
    switch (type) {
      case "kernel_info_request":
        return this.reply(channel, msg, "kernel_info_reply", this.kernelInfo());
      case "execute_request":
        return this.execute(channel, msg, execSeq);
      case "complete_request": {
        const code = String(c.code ?? "");
        const cursor = codePointsToUtf16(code, Number(c.cursor_pos ?? code.length));
        let r = { start: cursor, end: cursor, matches: [] as string[] };
        try {
          r = this.executor.complete(code, cursor);
        } catch (e) {
          logKernel(`completion failed: ${(e as Error).message}`);
        }
        return this.reply(channel, msg, "complete_reply", {
          status: "ok",
          matches: r.matches,
          cursor_start: utf16ToCodePoints(code, r.start),
          cursor_end: utf16ToCodePoints(code, r.end),
          metadata: {},
        });
      }
      case "inspect_request": {
        const code = String(c.code ?? "");
        let text: string | null = null;
        try {
          text = this.executor.inspect(code, codePointsToUtf16(code, Number(c.cursor_pos ?? code.length)));
        } catch (e) {
          logKernel(`inspect failed: ${(e as Error).message}`);
        }
        return this.reply(channel, msg, "inspect_reply", {
          status: "ok",
          found: text !== null,
          data: text !== null ? { "text/plain": text } : {},
          metadata: {},
        });
      }
      case "is_complete_request": {
        const { isCompleteCode } = requireHere("tslab/dist/converter") as { isCompleteCode(s: string): { completed: boolean; indent?: string } };
        const r = isCompleteCode(String(c.code ?? ""));
        return this.reply(channel, msg, "is_complete_reply", r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" });
      }
      case "history_request":
        return this.reply(channel, msg, "history_reply", { status: "ok", history: this.historyFor(c) });
      case "comm_info_request": {
        const target = typeof c.target_name === "string" && c.target_name !== "" ? c.target_name : undefined;
        const comms: Record<string, { target_name: string }> = {};
        for (const comm of this.comms.list(target)) comms[comm.id] = { target_name: comm.targetName };
        return this.reply(channel, msg, "comm_info_reply", { status: "ok", comms });
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close": {
        const cm: CommMessage = { data: c.data ?? {}, metadata: msg.metadata, buffers: msg.buffers.map(toDataView), header: msg.header };
        try {
          if (type === "comm_open") {
            if (!(await this.comms.handleOpen(c, cm))) logKernel(`comm_open for unknown target ${JSON.stringify(c.target_name)}: closed`);
          }
          else if (type === "comm_msg") await this.comms.handleMsg(c, cm);
          else await this.comms.handleClose(c, cm);
        } catch (e) {
          // Shown in the front end's log, and on the kernel's stderr.
          const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
          logKernel(`${type}: ${text}`);
          this.writeStream(msg.header, "stderr", `${text}\n`);
        }
        return;
      }
      case "interrupt_request":
        // With the I/O thread, the interrupt already arrived as a SIGINT (which also breaks
        // synchronous code; the I/O thread watches for code SIGINT cannot reach).
        if (!this.interruptBySignal) this.interrupt();
        return this.reply(channel, msg, "interrupt_reply", { status: "ok" });
      case "debug_request":
        // kernelspec and kernel_info say `debugger: false`; a front end that asks anyway gets a
        // Debug Adapter Protocol error response instead of silence.
        return this.reply(channel, msg, "debug_reply", {
          type: "response",
          request_seq: Number(c.seq ?? 0),
          seq: 0,
          command: String(c.command ?? ""),
          success: false,
          message: "this kernel does not support debugging",
          body: {},
        });
      case "shutdown_request": {
        const restart = Boolean(c.restart);
        this.reply(channel, msg, "shutdown_reply", { status: "ok", restart });
        this.publish("shutdown_reply", { status: "ok", restart }, { parent: msg.header });
        setTimeout(() => void this.stop(restart), 20);
        return;
      }
      default:
        logKernel(`unknown message type ${type} on ${channel}`);
    }
  }

  kernelInfo(): Record<string, unknown> {
    let tsVersion = "5.0";
    try {
      tsVersion = (requireHere("@tslab/typescript-for-tslab") as { version: string }).version;
    } catch {
      // keep the default
    }
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "pssr-lab",
      implementation_version: packageVersion(),
      language_info: {
        name: "typescript",
        version: tsVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        // JupyterLab reads `mode`; the classic notebook reads name + typescript.
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `pssr-lab TypeScript kernel ${packageVersion()} (tslab ${tslabVersion()} converter, Node ${process.version})`,
      help_links: [{ text: "pssr-lab", url: "https://github.com/pssr-lab/pssr-lab" }],
      debugger: false,
    };
  }

  private historyFor(c: Record<string, any>): unknown[] {
    const output = Boolean(c.output);
    const fmt = (h: HistoryEntry) => [h.session, h.line, output ? [h.input, null] : h.input];
    const access = c.hist_access_type ?? "tail";
    if (access === "tail") {
      const n = Number.isInteger(c.n) ? c.n : 1000;
      return this.history.slice(-n).map(fmt);
    }
    if (access === "range") {
      const start = Number(c.start ?? 0);
      const stop = c.stop === undefined || c.stop === null ? Infinity : Number(c.stop);
      return this.history.filter((h) => h.line >= start && h.line < stop).map(fmt);
    }
    if (access === "search") {
      const pattern = String(c.pattern ?? "*");
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s");
      let hits = this.history.filter((h) => re.test(h.input));
      if (c.unique) hits = hits.filter((h, i) => hits.findIndex((x) => x.input === h.input) === i);
      if (Number.isInteger(c.n)) hits = hits.slice(-c.n);
      return hits.map(fmt);
    }
    return [];
  }

  // ---------------------------------------------------------------- execution

  /** Runs one execute_request (called in its turn: one at a time, in arrival order). */
  private async execute(channel: Channel, msg: Message, seq: number): Promise<void> {
    const c = msg.content;
    const silent = Boolean(c.silent);
    const storeHistory = silent ? false : c.store_history !== false;
    if (seq <= this.abortThrough) {
      this.reply(channel, msg, "execute_reply", { status: "aborted", execution_count: this.executionCount });
      return;
    }
    const code = String(c.code ?? "");
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, { parent: msg.header });
    if (storeHistory) this.history.push({ session: 1, line: count, input: code });
    const run = new CellRun(new AbortController());
    const ctx: RequestContext = { ...this.context(msg, run.controller.signal), allowStdin: Boolean(c.allow_stdin), silent, run };
    if (!silent) this.lastExecute = ctx;
    this.currentRun = run;
    const outcome = await requestStorage().run(ctx, async (): Promise<CellOutcome> => {
      try {
        const o = await this.executor.execute(code, `cell[${count}]`, run);
        await flushDisplays();
        return o;
      } catch (e) {
        // A failure of the converter itself: still answer the request.
        logKernel(`internal error running cell[${count}]: ${(e as Error)?.stack ?? e}`);
        const message = (e as Error)?.message ?? String(e);
        return { ok: false, error: { ename: "InternalError", evalue: message, traceback: [`InternalError: ${message}`] } };
      }
    });
    this.currentRun = null;
    let error: CellError | null = outcome.ok ? null : outcome.error;
    if (outcome.ok && outcome.hasValue && !silent && !isNoResult(outcome.value)) {
      try {
        const data = await requestStorage().run(ctx, () => this.interruptState.guard(() => toMimeBundle(outcome.value)));
        this.publish("execute_result", { execution_count: count, data, metadata: {} }, { parent: msg.header });
      } catch (e) {
        error = { ename: "DisplayError", evalue: (e as Error).message, traceback: [`DisplayError: ${(e as Error).message}`] };
      }
    }
    const userExpressions: Record<string, unknown> = {};
    if (!error && c.user_expressions && typeof c.user_expressions === "object") {
      for (const [name, expr] of Object.entries(c.user_expressions as Record<string, string>)) {
        const r = await requestStorage()
          .run(ctx, () => this.executor.evaluate(String(expr), `user_expressions[${name}]`))
          .catch((e): CellOutcome => ({ ok: false, error: { ename: "InternalError", evalue: String((e as Error)?.message ?? e), traceback: [] } }));
        userExpressions[name] = r.ok
          ? { status: "ok", data: await toMimeBundle(r.hasValue ? r.value : undefined), metadata: {} }
          : { status: "error", ...r.error };
      }
    }
    if (error) {
      if (!silent) this.publish("error", error, { parent: msg.header });
      this.reply(channel, msg, "execute_reply", { status: "error", execution_count: count, ...error }, { status: "error" });
      if (c.stop_on_error !== false) this.abortThrough = this.execSeq;
    } else {
      this.reply(channel, msg, "execute_reply", { status: "ok", execution_count: count, user_expressions: userExpressions, payload: [] }, { status: "ok" });
    }
  }

  /**
   * interrupt_request / SIGINT: aborts the running cell's signal and any pending input;
   * `terminated`: the I/O thread stopped the cell's code, so the cell is abandoned at once.
   */
  interrupt(terminated = false): void {
    // Also a cell still being type-checked: it sees the abort before its code runs.
    this.currentRun?.controller.abort(new InterruptError());
    this.executor.interrupt(terminated);
    if (this.pendingInput) {
      const p = this.pendingInput;
      this.pendingInput = null;
      p.reject(new InterruptError());
    }
  }

  async input(prompt: string, password: boolean): Promise<string> {
    const ctx = requestStorage().getStore() ?? this.lastExecute;
    if (!ctx || !ctx.allowStdin) throw new Error("input() is not available: the front end does not accept input requests for this cell");
    if (this.pendingInput) throw new Error("input() is already waiting for a reply");
    const answer = new Promise<string>((resolve, reject) => (this.pendingInput = { resolve, reject }));
    const onAbort = () => this.interrupt();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    this.flushStream();
    this.send(this.stdin, encodeMessage(this.signer, ctx.identities, newHeader("input_request", this.session), ctx.parent, {}, { prompt, password }));
    try {
      return await answer;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Closes the sockets and the converter; resolves `finished`. */
  async stop(restart = false): Promise<void> {
    if (this.stopped) return;
    this.flushStream();
    await Promise.all([...this.sendChains.values()]);
    this.stopped = true;
    this.restoreStreams?.();
    process.off("SIGINT", this.onSigint);
    setKernel(null);
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) s?.close();
    this.hbSocket?.close();
    if (this.ioWorker) {
      // Let the worker close its sockets itself: terminating it with live zmq sockets aborts the process.
      const w = this.ioWorker;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        w.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        w.postMessage({ kind: "close" } satisfies IoMessage);
      });
    }
    try {
      this.executor.close();
    } catch {
      // already closed
    }
    this.options.onShutdown?.(restart);
    this.resolveDone(restart);
  }
}

/** How long a comm/completion/control request's handler may hold the status turn (default 30 s). */
function outOfTurnLimitMs(): number {
  const v = Number(process.env.PSSR_KERNEL_OUT_OF_TURN_LIMIT_MS);
  return Number.isFinite(v) && v > 0 ? v : 30_000;
}

/** Output messages of a cell (what an interrupted cell's leftovers may no longer publish). */
const CELL_OUTPUTS = new Set(["stream", "display_data", "update_display_data", "clear_output"]);

function isNoResult(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[NO_RESULT_SYMBOL] === true;
}

function tslabVersion(): string {
  try {
    return (requireHere("tslab/package.json") as { version: string }).version;
  } catch {
    return "?";
  }
}

void plainText;
