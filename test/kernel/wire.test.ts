// The wire codec against jupyter_client's Session (test/ref/kernel_wire.py): the HMAC covers
// the four JSON frames only, binary buffers travel raw after them, both directions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Signer, WireError, decodeMessage, encodeMessage, newHeader, parseConnectionInfo } from "../../src/kernel/wire.js";
import { putBuffers, removeBuffers } from "../../src/kernel/buffers.js";
import { codePointsToUtf16, utf16ToCodePoints } from "../../src/kernel/server.js";
import { mapCompiledLines } from "../../src/kernel/executor.js";
import { runPython } from "../helpers.js";

const KEY = "5ca1ab1e-0ddba11";

test("messages serialized by jupyter_client decode, buffers raw and unsigned", () => {
  const buffers = [Buffer.from([0, 1, 2, 255]), Buffer.from(new Float32Array([1.5, -2]).buffer)];
  const frames: string[] = JSON.parse(
    runPython("kernel_wire.py", ["serialize", KEY], JSON.stringify({ msg_type: "comm_msg", content: { comm_id: "x", data: { a: [1, "é"] } }, buffers_hex: buffers.map((b) => b.toString("hex")) })),
  );
  const msg = decodeMessage(frames.map((f) => Buffer.from(f, "hex")), new Signer(KEY));
  assert.equal(msg.header.msg_type, "comm_msg");
  assert.deepEqual(msg.content, { comm_id: "x", data: { a: [1, "é"] } });
  assert.deepEqual(msg.identities.map((b) => b.toString()), ["client-ident"]);
  assert.deepEqual(msg.buffers, buffers);
  // the same frames with another key, or a tampered content frame, are rejected
  assert.throws(() => decodeMessage(frames.map((f) => Buffer.from(f, "hex")), new Signer("other")), WireError);
  const tampered = frames.map((f) => Buffer.from(f, "hex"));
  tampered[6] = Buffer.from(JSON.stringify({ comm_id: "x", data: { a: [2] } }));
  assert.throws(() => decodeMessage(tampered, new Signer(KEY)), /signature does not match/);
  // buffers are not covered by the signature (as jupyter_client signs): changing one still verifies
  const swapped = frames.map((f) => Buffer.from(f, "hex"));
  swapped[swapped.length - 1] = Buffer.from([9]);
  assert.deepEqual(decodeMessage(swapped, new Signer(KEY)).buffers[1], Buffer.from([9]));
});

test("messages we encode are accepted by jupyter_client with their buffers", () => {
  const parent = newHeader("execute_request", "s1");
  const frames = encodeMessage(new Signer(KEY), [Buffer.from("route")], newHeader("comm_msg", "s2"), parent, { version: "2.1.0" }, { data: { method: "update" } }, [
    new Uint8Array([7, 8, 9]),
    new DataView(new Int16Array([-1, 300]).buffer),
  ]);
  const out = JSON.parse(runPython("kernel_wire.py", ["deserialize", KEY], JSON.stringify(frames.map((f) => f.toString("hex")))));
  assert.equal(out.error, undefined);
  assert.equal(out.msg_type, "comm_msg");
  assert.deepEqual(out.content, { data: { method: "update" } });
  assert.deepEqual(out.metadata, { version: "2.1.0" });
  assert.equal(out.parent_msg_id, parent.msg_id);
  assert.deepEqual(out.buffers_hex, ["070809", Buffer.from(new Int16Array([-1, 300]).buffer).toString("hex")]);
  const bad = JSON.parse(runPython("kernel_wire.py", ["deserialize", "wrong"], JSON.stringify(frames.map((f) => f.toString("hex")))));
  assert.match(bad.error, /signature/i);
});

test("an empty key neither signs nor checks (jupyter_client agrees)", () => {
  const frames = encodeMessage(new Signer(""), [], newHeader("status", "s"), {}, {}, { execution_state: "idle" });
  assert.equal(frames[1].length, 0, "empty signature frame");
  const out = JSON.parse(runPython("kernel_wire.py", ["deserialize", ""], JSON.stringify(frames.map((f) => f.toString("hex")))));
  assert.deepEqual(out.content, { execution_state: "idle" });
});

test("connection files: ports checked, unsupported schemes refused", () => {
  const base = { shell_port: 1, control_port: 2, iopub_port: 3, stdin_port: 4, hb_port: 5, key: "k", ip: "127.0.0.1", transport: "tcp" };
  assert.equal(parseConnectionInfo(base).hb_port, 5);
  assert.throws(() => parseConnectionInfo({ ...base, hb_port: "x" }), /hb_port must be a port number/);
  assert.throws(() => parseConnectionInfo({ ...base, signature_scheme: "hmac-md5" }), /not supported/);
});

test("buffer paths as ipywidgets' remove_buffers/put_buffers", () => {
  const f = new Float32Array([1, 2]);
  const u = new Uint8Array([3]);
  const state = { a: 1, x: f, nested: { list: [0, u, { deep: f.buffer }] } };
  const { state: json, bufferPaths, buffers } = removeBuffers(state);
  assert.deepEqual(bufferPaths, [["x"], ["nested", "list", 1], ["nested", "list", 2, "deep"]]);
  assert.deepEqual(json, { a: 1, nested: { list: [0, null, {}] } });
  assert.equal(state.x, f, "the input is not modified");
  assert.equal(buffers[0], f);
  const views = buffers.map((b) => (ArrayBuffer.isView(b) ? new DataView(b.buffer, b.byteOffset, b.byteLength) : new DataView(b)));
  putBuffers(json, bufferPaths, views);
  assert.equal(((json as Record<string, unknown>).x as DataView).getFloat32(4, true), 2);
  assert.equal(((json.nested as any).list[1] as DataView).getUint8(0), 3);
});

test("cursor positions: code points <-> UTF-16", () => {
  const s = "a😀b";
  assert.equal(codePointsToUtf16(s, 2), 3);
  assert.equal(utf16ToCodePoints(s, 3), 2);
});

test("compiled lines map back to cell lines", () => {
  const src = "// c\nlet x: number = 1;\nfunction f(a: number) {\n  if (a > 2) throw new Error('boom');\n  return a;\n}\nf(x);";
  const compiled = 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.x = exports.f = void 0;\n// c\nlet x = 1;\nexports.x = x;\nfunction f(a) {\n    if (a > 2)\n        throw new Error(\'boom\');\n    return a;\n}\nexports.f = f;\nf(x);';
  const map = mapCompiledLines(compiled, src);
  assert.equal(map[7], 3, "throw maps to the if line");
  assert.equal(map[11], 6, "the call maps to the last line");
});
