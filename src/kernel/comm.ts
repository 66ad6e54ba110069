// Jupyter comms ("custom messages" in the messaging spec): two-way channels between kernel
// objects and front-end objects. Kernel -> front end messages go out on iopub; front end ->
// kernel messages arrive on shell. Either side may open a comm; each message may carry JSON
// data, metadata and raw binary buffers. Received buffers are handed over as DataViews, as the
// ipywidgets front end does.
import { randomUUID } from "node:crypto";
import type { BufferLike, MessageHeader } from "./wire.js";

export interface CommMessage {
  data: any;
  metadata: Record<string, any>;
  buffers: DataView[];
  /** Header of the comm_msg / comm_open / comm_close that carried this. */
  header: Partial<MessageHeader>;
}

export interface SendOptions {
  metadata?: Record<string, unknown>;
  buffers?: readonly BufferLike[];
}

export type Publish = (msgType: string, content: unknown, options?: SendOptions) => void;

export type MessageHandler = (msg: CommMessage) => void | Promise<void>;
export type TargetHandler = (comm: Comm, openMsg: CommMessage) => void | Promise<void>;

/** One end of a comm. */
export class Comm {
  private readonly msgHandlers: MessageHandler[] = [];
  private readonly closeHandlers: MessageHandler[] = [];
  private closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly manager: CommManager,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a comm_msg to the front end. */
  send(data: unknown, options: SendOptions = {}): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.manager.publish("comm_msg", { comm_id: this.id, data: data ?? {} }, options);
  }

  /** Closes the comm on both sides (sends comm_close unless the front end closed it). */
  close(data: unknown = {}, options: SendOptions = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.forget(this.id);
    this.manager.publish("comm_close", { comm_id: this.id, data }, options);
  }

  onMsg(handler: MessageHandler): this {
    this.msgHandlers.push(handler);
    return this;
  }

  onClose(handler: MessageHandler): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** @internal a comm_msg from the front end. */
  async deliver(msg: CommMessage): Promise<void> {
    for (const h of this.msgHandlers) await h(msg);
  }

  /** @internal the front end closed the comm. */
  async deliverClose(msg: CommMessage): Promise<void> {
    this.closed = true;
    this.manager.forget(this.id);
    for (const h of this.closeHandlers) await h(msg);
  }
}

export function toDataView(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** All comms of a kernel and the targets front ends may open comms to. */
export class CommManager {
  private readonly comms = new Map<string, Comm>();
  private readonly targets = new Map<string, TargetHandler>();

  constructor(readonly publish: Publish) {}

  /** Opens a comm from the kernel side (comm_open on iopub). */
  open(targetName: string, data: unknown = {}, options: SendOptions & { commId?: string; targetModule?: string } = {}): Comm {
    const id = options.commId ?? randomUUID().replace(/-/g, "");
    const comm = new Comm(id, targetName, this);
    this.comms.set(id, comm);
    const content: Record<string, unknown> = { comm_id: id, target_name: targetName, data };
    if (options.targetModule) content.target_module = options.targetModule;
    this.publish("comm_open", content, options);
    return comm;
  }

  /** Registers the handler for comms the front end opens to `targetName`. */
  registerTarget(targetName: string, handler: TargetHandler): void {
    this.targets.set(targetName, handler);
  }

  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
  }

  get(commId: string): Comm | undefined {
    return this.comms.get(commId);
  }

  /** Open comms, optionally only those of one target (the comm_info_reply). */
  list(targetName?: string): Comm[] {
    return [...this.comms.values()].filter((c) => targetName === undefined || c.targetName === targetName);
  }

  /** @internal */
  forget(commId: string): void {
    this.comms.delete(commId);
  }

  /** A comm_open from the front end; unknown targets get a comm_close, as ipykernel does (returns false). */
  async handleOpen(content: any, msg: CommMessage): Promise<boolean> {
    const id = String(content.comm_id ?? "");
    const target = String(content.target_name ?? "");
    const handler = this.targets.get(target);
    if (!id) return false;
    if (!handler) {
      this.publish("comm_close", { comm_id: id, data: {} });
      return false;
    }
    const comm = new Comm(id, target, this);
    this.comms.set(id, comm);
    await handler(comm, msg);
    return true;
  }

  async handleMsg(content: any, msg: CommMessage): Promise<void> {
    const comm = this.comms.get(String(content.comm_id ?? ""));
    if (!comm) throw new Error(`comm_msg for unknown comm ${String(content.comm_id)}`);
    await comm.deliver(msg);
  }

  async handleClose(content: any, msg: CommMessage): Promise<void> {
    const comm = this.comms.get(String(content.comm_id ?? ""));
    if (!comm) return;
    await comm.deliverClose(msg);
  }
}
