// The heartbeat echo (REP socket) on its own thread, so that the front end keeps seeing the
// kernel alive while a cell runs synchronous code on the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { Reply } from "zeromq";

export async function runHeartbeat(address: string, onBound?: () => void): Promise<Reply> {
  const sock = new Reply({ linger: 0 });
  await sock.bind(address);
  onBound?.();
  (async () => {
    for await (const frames of sock) await sock.send(frames);
  })().catch(() => {});
  return sock;
}

if (parentPort && workerData && typeof workerData.heartbeatAddress === "string") {
  const port = parentPort;
  runHeartbeat(workerData.heartbeatAddress, () => port.postMessage("bound")).then(
    (sock) =>
      port.on("message", (m) => {
        if (m !== "close") return;
        sock.close();
        port.close();
      }),
    (e) => port.postMessage(`error: ${(e as Error).message}`),
  );
}
