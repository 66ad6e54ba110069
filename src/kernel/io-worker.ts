// The kernel's I/O thread: the heartbeat echo (REP) and the control channel (ROUTER) live on
// a worker thread, so that they are answered while a cell keeps the main thread busy with
// synchronous code. Control messages are handed to the main thread; a correctly signed
// interrupt_request is also turned into a SIGINT to this process at once, which breaks
// synchronous cell code (vm breakOnSigint) and otherwise reaches the kernel's SIGINT handler.
import { parentPort, workerData } from "node:worker_threads";
import { Reply, Router } from "zeromq";
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
  | { kind: "close" };

async function main(port: NonNullable<typeof parentPort>, data: { heartbeatAddress: string; controlAddress?: string; key: string }): Promise<void> {
  const hb = await runHeartbeat(data.heartbeatAddress);
  let control: Router | null = null;
  if (data.controlAddress) {
    control = new Router({ linger: 0 });
    await control.bind(data.controlAddress);
    const signer = new Signer(data.key);
    const sock = control;
    (async () => {
      for await (const frames of sock) {
        try {
          if (decodeMessage(frames as Buffer[], signer).header.msg_type === "interrupt_request") process.kill(process.pid, "SIGINT");
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
        control?.close();
        hb.close();
        port.close();
      });
    }
  });
  port.postMessage({ kind: "ready" } satisfies IoMessage);
}

if (parentPort && workerData && typeof workerData.heartbeatAddress === "string") {
  const port = parentPort;
  main(port, workerData).catch((e) => port.postMessage({ kind: "error", message: (e as Error).message } satisfies IoMessage));
}
