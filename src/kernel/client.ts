// A small Jupyter client over ZeroMQ: starts a kernel from a kernelspec argv with a fresh
// connection file, sends requests and collects replies and iopub messages per request.
// Used by `pssr kernel install --check` and the benchmark (which drives tslab with it too).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dealer, Subscriber, Request } from "zeromq";
import { Signer, decodeMessage, encodeMessage, newHeader, type BufferLike, type ConnectionInfo, type Message } from "./wire.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function newConnectionInfo(key = randomBytes(16).toString("hex")): Promise<ConnectionInfo> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  return {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: ports[0],
    control_port: ports[1],
    iopub_port: ports[2],
    stdin_port: ports[3],
    hb_port: ports[4],
    key,
    signature_scheme: "hmac-sha256",
  };
}

export interface RequestResult {
  reply: Message;
  /** iopub messages parented to the request, up to its idle status. */
  iopub: Message[];
}

export class KernelClient {
  readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly shell = new Dealer({ linger: 0 });
  private readonly control = new Dealer({ linger: 0 });
  private readonly iopub = new Subscriber({ linger: 0 });
  private readonly waiting = new Map<string, { reply?: Message; iopub: Message[]; idle: boolean; done: (r: RequestResult) => void }>();
  private child: ChildProcess | null = null;
  private tmp: string | null = null;
  stderr = "";

  constructor(readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key);
  }

  /** Writes a connection file, spawns argv (with {connection_file} replaced) and connects. */
  static async launch(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<KernelClient> {
    const info = await newConnectionInfo();
    const client = new KernelClient(info);
    client.tmp = mkdtempSync(join(tmpdir(), "pssr-kernel-"));
    const file = join(client.tmp, "connection.json");
    writeFileSync(file, JSON.stringify(info));
    const args = argv.map((a) => a.replace("{connection_file}", file));
    client.child = spawn(args[0], args.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "ignore", "pipe"] });
    client.child.stderr?.on("data", (d) => (client.stderr += String(d)));
    client.connect();
    await client.waitReady(options.timeoutMs ?? 30000);
    return client;
  }

  connect(): void {
    const url = (port: number) => `tcp://${this.info.ip}:${port}`;
    this.shell.connect(url(this.info.shell_port));
    this.control.connect(url(this.info.control_port));
    this.iopub.connect(url(this.info.iopub_port));
    this.iopub.subscribe();
    void this.readLoop(this.shell, false);
    void this.readLoop(this.control, false);
    void this.readLoop(this.iopub, true);
  }

  /** Sends kernel_info_request until one is answered (the kernel may still be starting). */
  async waitReady(timeoutMs: number): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child && this.child.exitCode !== null) throw new Error(`kernel exited with ${this.child.exitCode}: ${this.stderr}`);
      try {
        const r = await this.request("kernel_info_request", {}, { timeoutMs: 1000 });
        return r.reply;
      } catch {
        // not up yet
      }
    }
    throw new Error(`kernel did not answer kernel_info within ${timeoutMs} ms: ${this.stderr}`);
  }

  /** Heartbeat round trip in ms (REQ/REP on hb_port), or throws after timeoutMs. */
  async heartbeat(timeoutMs = 2000): Promise<number> {
    const req = new Request({ linger: 0, receiveTimeout: timeoutMs });
    req.connect(`tcp://${this.info.ip}:${this.info.hb_port}`);
    const t0 = performance.now();
    try {
      await req.send("ping");
      await req.receive();
      return performance.now() - t0;
    } finally {
      req.close();
    }
  }

  private async readLoop(sock: Dealer | Subscriber, isIopub: boolean): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: Message;
        try {
          msg = decodeMessage(isIopub ? (frames as Buffer[]) : (frames as Buffer[]), this.signer);
        } catch {
          continue;
        }
        const w = this.waiting.get(String(msg.parent_header.msg_id ?? ""));
        if (!w) continue;
        if (isIopub) {
          w.iopub.push(msg);
          if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") w.idle = true;
        } else {
          w.reply = msg;
        }
        this.settle(String(msg.parent_header.msg_id));
      }
    } catch {
      // socket closed
    }
  }

  private settle(id: string): void {
    const w = this.waiting.get(id);
    if (w && w.idle && (w.reply || w.done === undefined)) {
      this.waiting.delete(id);
      w.done({ reply: w.reply!, iopub: w.iopub });
    }
  }

  /**
   * Sends a request and resolves with its reply and its iopub messages once both the reply
   * and the idle status arrived. `expectReply: false` for comm messages (idle only).
   */
  request(
    msgType: string,
    content: unknown,
    options: { channel?: "shell" | "control"; buffers?: BufferLike[]; metadata?: Record<string, unknown>; timeoutMs?: number; expectReply?: boolean } = {},
  ): Promise<RequestResult> {
    const header = newHeader(msgType, this.session, "client");
    const expectReply = options.expectReply ?? !msgType.startsWith("comm_");
    const p = new Promise<RequestResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        const w = this.waiting.get(header.msg_id);
        this.waiting.delete(header.msg_id);
        const got = w ? `reply ${w.reply ? "received" : "missing"}, iopub [${w.iopub.map((m) => m.header.msg_type).join(", ")}]` : "";
        reject(new Error(`${msgType}: no ${expectReply ? "reply/idle" : "idle"} within ${options.timeoutMs ?? 30000} ms (${got})`));
      }, options.timeoutMs ?? 30000);
      const entry = {
        iopub: [] as Message[],
        idle: false,
        reply: undefined as Message | undefined,
        done: (r: RequestResult) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      if (!expectReply) entry.reply = { header, parent_header: {}, metadata: {}, content: {}, buffers: [], identities: [] } as unknown as Message;
      this.waiting.set(header.msg_id, entry);
    });
    const sock = options.channel === "control" ? this.control : this.shell;
    void sock.send(encodeMessage(this.signer, [], header, {}, options.metadata ?? {}, content, options.buffers ?? []));
    return p;
  }

  /** Runs code and returns the reply plus its outputs. */
  execute(code: string, extra: Record<string, unknown> = {}, timeoutMs = 60000): Promise<RequestResult> {
    return this.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra }, { timeoutMs });
  }

  /** shutdown_request, then waits for the process to exit (killing it after timeoutMs). */
  async shutdown(timeoutMs = 5000): Promise<void> {
    try {
      await this.request("shutdown_request", { restart: false }, { channel: "control", timeoutMs: 3000 });
    } catch {
      // already gone
    }
    await this.close(timeoutMs);
  }

  async close(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, timeoutMs);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }
}
