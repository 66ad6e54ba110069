// The kernel's I/O thread: the heartbeat echo (REP) and the control channel (ROUTER) live on
// a worker thread, so that they are answered while a cell keeps the main thread busy with
// synchronous code. Control messages are handed to the main thread; a correctly signed
// interrupt_request is also turned into a SIGINT to this process at once, which breaks
// synchronous cell code (vm breakOnSigint) and otherwise reaches the kernel's SIGINT handler.
// When the main thread has not taken the interrupt after terminateAfterMs (a cell's code after
// an `await` spinning, where SIGINT cannot reach), this thread stops the main thread's
// JavaScript through the inspector (Runtime.terminateExecution), unless the kernel's own
// work is running (InterruptState.guard) or the cell's synchronous part is (SIGINT's job).
import { writeSync } from "node:fs";
import { Session } from "node:inspector";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { Reply, Router } from "zeromq";
import { InterruptState, PREPARE_TERMINATION } from "./interrupt.js";
import { Signer, decodeMessage } from "./wire.js";

export async function runHeartbeat(address: string): Promise<Reply> {
  const sock = new Reply({ linger: 0 });
  await sock.bind(address);
  (async () => {
    for await (const frames of sock) await sock.send(frames);
  })().catch(() => {});
  return sock;
}

/** Messages between the main thread and the I/O thread. */
export type IoMessage =
  | { kind: "ready" }
  | { kind: "error"; message: string }
  | { kind: "control"; frames: Uint8Array[] }
  | { kind: "send"; frames: Uint8Array[] }
  /** The I/O thread terminated the main thread's JavaScript for interrupt `interruptSeq`. */
  | { kind: "terminated"; interruptSeq: number }
  | { kind: "close" };

export interface IoWorkerData {
  heartbeatAddress: string;
  controlAddress?: string;
  key: string;
  /** InterruptState's buffer; without it interrupts are SIGINT only. */
  interruptBuffer?: SharedArrayBuffer;
  /** Whether the main thread installed its termination hooks (else interrupts never terminate). */
  canTerminate?: boolean;
  terminateAfterMs?: number;
}

function log(line: string): void {
  try {
    writeSync(2, `[pssr kernel] ${line}\n`);
  } catch {
    // stderr closed
  }
}

/**
 * Watches the cell run that interrupt `seq` was meant for: when the main thread's event loop
 * stops turning for terminateAfterMs while that run is in its async part (and no guarded work
 * of the kernel runs), its JavaScript is terminated and the main thread told so; when it cannot
 * be, stderr says so.
 */
function watchInterrupt(state: InterruptState, seq: number, terminateAfterMs: number, session: () => Session, port: MessagePort): void {
  const runId = state.runId;
  let lastBeat = state.beat;
  let lastChange = Date.now();
  let warned = false;
  const poll = () => {
    // A newer interrupt watches now; or the run ended (or never started: it sees the abort first).
    if (state.seq !== seq || state.runId !== runId || state.cell === 0) return;
    const now = Date.now();
    if (state.beat !== lastBeat) {
      lastBeat = state.beat;
      lastChange = now;
    }
    const stuckMs = now - lastChange;
    if (stuckMs >= terminateAfterMs && state.cell === 1 && !state.guarded) {
      // Node's async-id checks off first (see interrupt.ts), in the same dispatch, in order.
      session().post("Runtime.evaluate", { expression: PREPARE_TERMINATION });
      session().post("Runtime.terminateExecution");
      // Read by the main thread once its stack has unwound: the run is abandoned then.
      port.postMessage({ kind: "terminated", interruptSeq: seq } satisfies IoMessage);
      return;
    }
    if (!warned && stuckMs >= terminateAfterMs + 3000) {
      warned = true;
      log(
        state.guarded
          ? "interrupt: the kernel's own work (type-checking or rendering) is still running; the cell stops after it, or restart the kernel"
          : "interrupt: the cell's synchronous code did not stop on SIGINT; restart the kernel if it does not finish",
      );
    }
    setTimeout(poll, 25);
  };
  setTimeout(poll, 25);
}

async function main(port: NonNullable<typeof parentPort>, data: IoWorkerData): Promise<void> {
  const hb = await runHeartbeat(data.heartbeatAddress);
  const state = data.interruptBuffer ? new InterruptState(data.interruptBuffer) : null;
  let session: Session | null = null;
  const mainSession = () => {
    if (!session) {
      session = new Session();
      session.connectToMainThread();
    }
    return session;
  };
  let control: Router | null = null;
  if (data.controlAddress) {
    control = new Router({ linger: 0 });
    await control.bind(data.controlAddress);
    const signer = new Signer(data.key);
    const sock = control;
    (async () => {
      for await (const frames of sock) {
        try {
          if (decodeMessage(frames as Buffer[], signer).header.msg_type === "interrupt_request") {
            if (state && data.canTerminate) watchInterrupt(state, state.nextSeq(), data.terminateAfterMs ?? 1500, mainSession, port);
            process.kill(process.pid, "SIGINT");
          }
        } catch {
          // the main thread logs and drops bad messages
        }
        port.postMessage({ kind: "control", frames } satisfies IoMessage);
      }
    })().catch(() => {});
  }
  let chain = Promise.resolve();
  port.on("message", (m: IoMessage) => {
    if (m.kind === "send" && control) {
      const sock = control;
      chain = chain.then(() => sock.send(m.frames.map((f) => Buffer.from(f)))).catch(() => {});
    } else if (m.kind === "close") {
      void chain.then(() => {
        (session as Session | null)?.disconnect();
        control?.close();
        hb.close();
        port.close();
      });
    }
  });
  watchParentFromIoThread();
  port.postMessage({ kind: "ready" } satisfies IoMessage);
}

/**
 * The main thread exits with the Jupyter process that started the kernel (main.ts); when it
 * is stuck in a cell's synchronous code it cannot, so this thread ends the process if the
 * parent has been gone for a while (no orphaned kernel spinning a CPU).
 */
function watchParentFromIoThread(): void {
  const ppid = Number(process.env.JPY_PARENT_PID);
  if (!Number.isInteger(ppid) || ppid <= 1) return;
  let goneSince = 0;
  const timer = setInterval(() => {
    try {
      process.kill(ppid, 0);
      goneSince = 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") return;
      goneSince ||= Date.now();
      if (Date.now() - goneSince > 8000) {
        log(`parent process ${ppid} is gone and the kernel did not stop; ending it`);
        process.kill(process.pid, "SIGKILL");
      }
    }
  }, 2000);
  timer.unref();
}

if (parentPort && workerData && typeof workerData.heartbeatAddress === "string") {
  const port = parentPort;
  main(port, workerData).catch((e) => port.postMessage({ kind: "error", message: (e as Error).message } satisfies IoMessage));
}
