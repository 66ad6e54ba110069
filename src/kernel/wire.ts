// The Jupyter wire protocol (messaging spec 5.3): connection files, message framing and
// HMAC signing. The signature covers the four JSON frames only (header, parent_header,
// metadata, content), as jupyter_client's Session.serialize does; binary buffers travel
// raw after them and are not signed.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { PssrError } from "../errors.js";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

/** The connection file Jupyter writes for a kernel (ports, transport, key). */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** Reads and checks a connection file; throws a PssrError naming the file and the field. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new PssrError("file-not-found", `cannot read the connection file: ${(e as Error).message}`, { file: path });
  }
  return parseConnectionInfo(raw, path);
}

export function parseConnectionInfo(raw: unknown, file = "<connection info>"): ConnectionInfo {
  if (raw === null || typeof raw !== "object") {
    throw new PssrError("corrupt-file", "the connection file is not a JSON object", { file });
  }
  const o = raw as Record<string, unknown>;
  const info: ConnectionInfo = {
    transport: typeof o.transport === "string" ? o.transport : "tcp",
    ip: typeof o.ip === "string" ? o.ip : "127.0.0.1",
    shell_port: 0,
    control_port: 0,
    iopub_port: 0,
    stdin_port: 0,
    hb_port: 0,
    key: typeof o.key === "string" ? o.key : "",
    signature_scheme: typeof o.signature_scheme === "string" ? o.signature_scheme : "hmac-sha256",
    kernel_name: typeof o.kernel_name === "string" ? o.kernel_name : undefined,
  };
  for (const name of ["shell_port", "control_port", "iopub_port", "stdin_port", "hb_port"] as const) {
    const v = o[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) {
      throw new PssrError("corrupt-file", `connection file: ${name} must be a port number, got ${JSON.stringify(v)}`, { file });
    }
    info[name] = v;
  }
  if (info.key !== "" && info.signature_scheme !== "hmac-sha256") {
    throw new PssrError(
      "corrupt-file",
      `connection file: signature_scheme "${info.signature_scheme}" is not supported (only hmac-sha256)`,
      { file },
    );
  }
  return info;
}

/** Address a socket binds to, e.g. tcp://127.0.0.1:5555 or ipc://path-5555. */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `${info.transport}://${info.ip}:${port}`;
}

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

/** A decoded Jupyter message. `buffers` are the raw frames after content. */
export interface Message<C = Record<string, any>> {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, any>;
  content: C;
  buffers: Buffer[];
}

/** Bytes a caller may pass as a buffer: typed arrays, DataView, ArrayBuffer. */
export type BufferLike = ArrayBufferView | ArrayBuffer;

export function toBuffer(b: BufferLike): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof ArrayBuffer) return Buffer.from(b);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Signs and verifies messages with the connection key; an empty key means no signing. */
export class Signer {
  private readonly key: Buffer;

  constructor(key: string) {
    this.key = Buffer.from(key, "utf8");
  }

  get enabled(): boolean {
    return this.key.length > 0;
  }

  sign(frames: readonly (Buffer | string)[]): string {
    if (!this.enabled) return "";
    const h = createHmac("sha256", this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }

  /** Constant-time comparison of a received signature with the expected one. */
  verify(signature: Buffer, frames: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(frames), "ascii");
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

export class WireError extends Error {}

/** Splits raw frames into a message; throws WireError on bad framing or signature. */
export function decodeMessage(frames: Buffer[], signer: Signer): Message {
  let delim = -1;
  for (let i = 0; i < frames.length; i++) {
    if (frames[i].equals(DELIMITER)) {
      delim = i;
      break;
    }
  }
  if (delim < 0) throw new WireError("message has no <IDS|MSG> delimiter");
  if (frames.length < delim + 6) throw new WireError(`message has ${frames.length - delim - 1} frames after the delimiter, need 5`);
  const signature = frames[delim + 1];
  const json = frames.slice(delim + 2, delim + 6);
  if (!signer.verify(signature, json)) {
    throw new WireError(signature.length === 0 ? "message is not signed" : "message signature does not match");
  }
  let parsed: unknown[];
  try {
    parsed = json.map((f) => JSON.parse(f.toString("utf8")));
  } catch (e) {
    throw new WireError(`message has a frame that is not JSON: ${(e as Error).message}`);
  }
  const [header, parent, metadata, content] = parsed as [MessageHeader, Partial<MessageHeader>, Record<string, any>, any];
  if (!header || typeof header.msg_type !== "string") throw new WireError("message header has no msg_type");
  return {
    identities: frames.slice(0, delim),
    header,
    parent_header: parent ?? {},
    metadata: metadata ?? {},
    content: content ?? {},
    buffers: frames.slice(delim + 6),
  };
}

/** Frames for a message: identities, delimiter, signature, the four JSON frames, raw buffers. */
export function encodeMessage(
  signer: Signer,
  identities: readonly Buffer[],
  header: MessageHeader,
  parent: Partial<MessageHeader>,
  metadata: Record<string, unknown>,
  content: unknown,
  buffers: readonly BufferLike[] = [],
): Buffer[] {
  const json = [header, parent, metadata, content].map((v) => Buffer.from(JSON.stringify(v), "utf8"));
  return [...identities, DELIMITER, Buffer.from(signer.sign(json), "ascii"), ...json, ...buffers.map(toBuffer)];
}

export function newHeader(msgType: string, session: string, username = "kernel"): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}
