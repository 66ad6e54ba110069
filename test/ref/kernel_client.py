"""Drives the pssr-lab kernel with jupyter_client (the reference client) and checks replies.

usage: kernel_client.py KERNEL_NAME API_JS   (the kernelspec must be findable via JUPYTER_PATH;
       API_JS is the built dist/src/kernel/api.js, imported by a cell)

Prints one line "ok <check>" per passed check and exits non-zero with a message on the first
failure. Each check asserts on what jupyter_client decoded from the wire, so signatures,
buffers and message types are judged by jupyter_client, not by the kernel's own code.
"""
import json
import os
import queue
import struct
import sys
import time

import zmq
from jupyter_client.manager import start_new_kernel

KERNEL = sys.argv[1]
API_JS = sys.argv[2]


def ok(name):
    print("ok", name, flush=True)


EXIT = {"code": 0}


def fail(msg):
    print("FAIL", msg, flush=True)
    EXIT["code"] = 1
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=90)
kc.allow_stdin = True


def drain_iopub(parent_id, timeout=30):
    """iopub messages parented to parent_id up to and including its idle status."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        except queue.Empty:
            break
        if m["parent_header"].get("msg_id") != parent_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out
    fail(f"no idle status for {parent_id} within {timeout}s; got {[x['msg_type'] for x in out]}")


def execute(code, timeout=60, **kw):
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply, drain_iopub(msg_id, timeout)


def of_type(msgs, t):
    return [m for m in msgs if m["msg_type"] == t]


def send_shell(msg_type, content, buffers=None, metadata=None):
    msg = kc.session.msg(msg_type, content, metadata=metadata or {})
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers or [])
    return msg["header"]["msg_id"]


def shell_reply(msg_id, timeout=30):
    while True:
        r = kc.get_shell_msg(timeout=timeout)
        if r["parent_header"].get("msg_id") == msg_id:
            return r


try:
    # --- kernel_info
    info = kc.kernel_info(reply=True, timeout=30)["content"]
    check(info["status"] == "ok" and info["protocol_version"] == "5.3", f"kernel_info: {info}")
    check(info["language_info"]["name"] == "typescript" and info["implementation"] == "pssr-lab", f"kernel_info: {info}")
    ok("kernel_info")

    # --- execute: streams and execute_result
    reply, io = execute("const greeting: string = 'hello';\nconsole.log(greeting, 1 + 1);\nconsole.error('warn!');\n6 * 7")
    check(reply["content"]["status"] == "ok", f"execute reply {reply['content']}")
    count = reply["content"]["execution_count"]
    check(count == 1, f"first execution_count {count}")
    check([m["content"]["execution_state"] for m in of_type(io, "status")] == ["busy", "idle"], "busy/idle around execute")
    check(of_type(io, "execute_input")[0]["content"]["code"].startswith("const greeting"), "execute_input")
    streams = {m["content"]["name"]: m["content"]["text"] for m in of_type(io, "stream")}
    check(streams.get("stdout") == "hello 2\n" and streams.get("stderr") == "warn!\n", f"streams {streams}")
    res = of_type(io, "execute_result")
    check(len(res) == 1 and res[0]["content"]["data"]["text/plain"] == "42" and res[0]["content"]["execution_count"] == 1, f"execute_result {res}")
    ok("execute_result")

    # silent execution: no execute_input/result, count unchanged
    reply, io = execute("greeting.length", silent=True)
    check(reply["content"]["status"] == "ok" and not of_type(io, "execute_result") and not of_type(io, "execute_input"), f"silent {io}")
    check(reply["content"]["execution_count"] == 1, f"silent count {reply['content']}")
    # user_expressions
    reply, io = execute("const n = 5;", user_expressions={"twice": "n * 2", "bad": "nope.x"})
    ue = reply["content"]["user_expressions"]
    check(ue["twice"]["status"] == "ok" and ue["twice"]["data"]["text/plain"] == "10", f"user_expressions {ue}")
    check(ue["bad"]["status"] == "error", f"user_expressions error {ue}")
    ok("silent_and_user_expressions")

    # --- errors: runtime error with a traceback naming the cell line, type error, kernel survives
    reply, io = execute("function boom(a: number): number {\n  if (a > 2) {\n    throw new RangeError('too big: ' + a);\n  }\n  return a;\n}\nboom(1);\nboom(7);")
    c = reply["content"]
    check(c["status"] == "error" and c["ename"] == "RangeError" and c["evalue"] == "too big: 7", f"error reply {c}")
    err = of_type(io, "error")
    check(len(err) == 1, "error message on iopub")
    tb = "\n".join(err[0]["content"]["traceback"])
    check("line \x1b[36m3\x1b[0m" in tb and "line \x1b[36m8\x1b[0m" in tb and "throw new RangeError" in tb, f"traceback lines {tb!r}")
    reply, io = execute("const s: number = 'text';")
    c = reply["content"]
    check(c["status"] == "error" and c["ename"] == "TypeScriptError" and "not assignable" in c["evalue"], f"type error {c}")
    reply, io = execute("greeting + '!'")
    check(reply["content"]["status"] == "ok" and of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "'hello!'", "kernel alive after errors")
    # an error thrown later from a timer is reported on the cell's stderr; the kernel keeps running
    reply, io = execute("setTimeout(() => { throw new Error('late boom'); }, 5);\nawait kernel.sleep(300);\n'scheduled'")
    check(reply["content"]["status"] == "ok", f"timer cell {reply['content']}")
    check(any(m["msg_type"] == "stream" and m["content"]["name"] == "stderr" and "late boom" in m["content"]["text"] for m in io), f"late error on stderr {io}")
    reply, io = execute("2 + 2")
    check(of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "4", "kernel alive after a late error")
    ok("errors")

    # --- complete / inspect / is_complete / history
    execute("const pssrVariableLongName = 3;")
    code = "pssrVariableLo"
    r = kc.complete(code, len(code), reply=True, timeout=30)["content"]
    check(r["status"] == "ok" and "pssrVariableLongName" in r["matches"] and r["cursor_start"] == 0 and r["cursor_end"] == len(code), f"complete {r}")
    code = "Math.flo"
    r = kc.complete(code, len(code), reply=True, timeout=30)["content"]
    check("floor" in r["matches"] and r["cursor_start"] == 5, f"complete member {r}")
    code = "Math.floor(1.5)"
    r = kc.inspect(code, 7, reply=True, timeout=30)["content"]
    check(r["status"] == "ok" and r["found"] and "floor" in r["data"]["text/plain"], f"inspect {r}")
    r = shell_reply(kc.is_complete("function f() {"))["content"]
    check(r["status"] == "incomplete", f"is_complete incomplete {r}")
    r = shell_reply(kc.is_complete("f(1)"))["content"]
    check(r["status"] == "complete", f"is_complete complete {r}")
    r = kc.history(hist_access_type="tail", n=2, reply=True, timeout=30)["content"]
    check(r["status"] == "ok" and len(r["history"]) == 2 and r["history"][-1][2] == "const pssrVariableLongName = 3;", f"history {r}")
    ok("complete_inspect_is_complete_history")

    # --- display: JSON bundles, update_display_data, clear_output, rich last expression
    reply, io = execute(
        "const h = display({'application/json': {a: [1, 2]}, 'text/plain': 'obj'}, {displayId: 'd1'});\n"
        "h.update(kernel.markdown('# updated'));\n"
        "kernel.plotly({data: [{x: [1, 2], y: [3, 4]}]});\n"
    )
    dd = of_type(io, "display_data")
    check(dd and dd[0]["content"]["data"]["application/json"] == {"a": [1, 2]} and dd[0]["content"]["transient"]["display_id"] == "d1", f"display_data {dd}")
    ud = of_type(io, "update_display_data")
    check(ud and ud[0]["content"]["data"]["text/markdown"] == "# updated" and ud[0]["content"]["transient"]["display_id"] == "d1", f"update {ud}")
    er = of_type(io, "execute_result")
    check(er and er[0]["content"]["data"]["application/vnd.plotly.v1+json"]["data"][0]["y"] == [3, 4], f"plotly {er}")
    reply, io = execute("({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<b>rich</b>' }; } })")
    er = of_type(io, "execute_result")
    check(er and er[0]["content"]["data"]["text/html"] == "<b>rich</b>", f"Jupyter.display {er}")
    reply, io = execute("clearOutput(true); display(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]));")
    check(of_type(io, "clear_output")[0]["content"]["wait"] is True, "clear_output")
    check(of_type(io, "display_data")[0]["content"]["data"]["image/png"] == "iVBORw0KGgoAAA==", f"png {of_type(io, 'display_data')}")
    # an Image (src/image/image.ts shape) renders as an auto-contrast PNG (io/write encodePng)
    reply, io = execute(
        "const ramp = { data: Float32Array.from({ length: 48 }, (_, i) => i * 0.5), shape: [6, 8], axes: 'YX',\n"
        "  dtype: 'float32', pixelSize: null, meta: {} };\nramp"
    )
    check(reply["content"]["status"] == "ok", f"image cell {reply['content']}")
    data = of_type(io, "execute_result")[0]["content"]["data"]
    import base64
    import io as _io

    import numpy as np
    from PIL import Image as PILImage

    png = PILImage.open(_io.BytesIO(base64.b64decode(data["image/png"])))
    arr = np.asarray(png)
    check(png.size == (8, 6) and arr.dtype == np.uint8, f"png size {png.size}")
    check(arr[0, 0] == 0 and arr[-1, -1] == 255 and np.all(np.diff(arr.ravel().astype(int)) >= 0), f"auto-contrast ramp {arr}")
    check(data["text/plain"].startswith("<Image YX 6x8"), data["text/plain"])
    ok("display")

    # --- comms with binary buffers both ways
    reply, io = execute(
        "kernel.registerCommTarget('pssr.test', (comm, open) => {\n"
        "  comm.send({opened: open.data, nbuf: open.buffers.length});\n"
        "  comm.onMsg((m) => {\n"
        "    const bytes = new Uint8Array(m.buffers[0].buffer, m.buffers[0].byteOffset, m.buffers[0].byteLength);\n"
        "    comm.send({got: m.data, sum: bytes.reduce((a, b) => a + b, 0)}, {buffers: [bytes.slice().reverse(), new Float64Array([0.5, -2])]});\n"
        "  });\n"
        "  comm.onClose(() => console.log('closed by front end'));\n"
        "});"
    )
    check(reply["content"]["status"] == "ok", f"register target {reply['content']}")
    comm_id = "c0ffee"
    mid = send_shell("comm_open", {"comm_id": comm_id, "target_name": "pssr.test", "data": {"hello": 1}}, buffers=[b"\x01\x02"])
    io = drain_iopub(mid)
    states = [m["content"]["execution_state"] for m in of_type(io, "status")]
    check(states == ["busy", "idle"], f"busy/idle around comm_open {states}")
    cm = of_type(io, "comm_msg")
    check(cm and cm[0]["content"]["data"] == {"opened": {"hello": 1}, "nbuf": 1}, f"comm_open handler {cm}")
    payload = bytes(range(1, 201))
    mid = send_shell("comm_msg", {"comm_id": comm_id, "data": {"x": "y"}}, buffers=[payload])
    io = drain_iopub(mid)
    cm = of_type(io, "comm_msg")
    check(len(cm) == 1 and cm[0]["content"]["data"] == {"got": {"x": "y"}, "sum": sum(payload)}, f"comm reply {cm}")
    bufs = [bytes(b) for b in cm[0]["buffers"]]
    check(bufs[0] == payload[::-1] and struct.unpack("<2d", bufs[1]) == (0.5, -2.0), f"buffers back {bufs[:1]}")
    r = kc.comm_info(target_name="pssr.test", reply=True, timeout=30)
    check(r["msg_type"] == "comm_info_reply" and r["content"]["status"] == "ok" and r["content"]["comms"] == {comm_id: {"target_name": "pssr.test"}}, f"comm_info {r['content']}")
    r = kc.comm_info(target_name="no.such.target", reply=True, timeout=30)["content"]
    check(r["comms"] == {}, f"comm_info filter {r}")
    mid = send_shell("comm_close", {"comm_id": comm_id, "data": {}})
    io = drain_iopub(mid)
    check(any(m["msg_type"] == "stream" and "closed by front end" in m["content"]["text"] for m in io), f"comm_close handler {io}")
    # a comm opened by the kernel, with a buffer
    reply, io = execute("const kc1 = kernel.openComm('pssr.fromkernel', {k: 1}, {buffers: [new Int16Array([-1, 300])]});")
    co = of_type(io, "comm_open")
    check(co and co[0]["content"]["target_name"] == "pssr.fromkernel" and struct.unpack("<2h", bytes(co[0]["buffers"][0])) == (-1, 300), f"kernel comm_open {co}")
    # unknown target: the kernel closes the comm
    mid = send_shell("comm_open", {"comm_id": "dead", "target_name": "nobody.home", "data": {}})
    io = drain_iopub(mid)
    check(any(m["msg_type"] == "comm_close" and m["content"]["comm_id"] == "dead" for m in io), f"unknown target closed {io}")
    ok("comms_binary")

    # --- widgets (protocol 2.1.0)
    reply, io = execute(
        "const w = new kernel.Widget({modelName: 'IntSliderModel', modelModule: '@jupyter-widgets/controls', modelModuleVersion: '2.0.0',\n"
        "  viewName: 'IntSliderView'}, {value: 3, data: new Float32Array([1.5, 2.5]) as ArrayBufferView | DataView, nested: {arr: [1, new Uint8Array([9])]}});\n"
        "w.on('change:value', (v, old, src) => console.log(`value ${old} -> ${v} (${src})`));\n"
        "w.on('msg:custom', (content, buffers) => w.send({echo: content, lengths: buffers.map((b) => b.byteLength)}, [new Uint8Array([7, 8, 9])]));\n"
        "w"
    )
    check(reply["content"]["status"] == "ok", f"widget cell {reply['content']}")
    co = of_type(io, "comm_open")
    check(len(co) == 1 and co[0]["content"]["target_name"] == "jupyter.widget" and co[0]["metadata"] == {"version": "2.1.0"}, f"widget comm_open {co}")
    wid = co[0]["content"]["comm_id"]
    st = co[0]["content"]["data"]
    check(st["state"]["value"] == 3 and st["state"]["_model_name"] == "IntSliderModel" and "data" not in st["state"], f"widget state {st}")
    paths = st["buffer_paths"]
    check(sorted(map(json.dumps, paths)) == sorted(map(json.dumps, [["data"], ["nested", "arr", 1]])), f"buffer_paths {paths}")
    bmap = {json.dumps(p): bytes(b) for p, b in zip(paths, co[0]["buffers"])}
    check(struct.unpack("<2f", bmap[json.dumps(["data"])]) == (1.5, 2.5) and bmap[json.dumps(["nested", "arr", 1])] == b"\x09", "widget buffers")
    check(st["state"]["nested"]["arr"] == [1, None], f"list slot becomes null {st['state']['nested']}")
    er = of_type(io, "execute_result")
    view = er[0]["content"]["data"]["application/vnd.jupyter.widget-view+json"]
    check(view == {"model_id": wid, "version_major": 2, "version_minor": 1}, f"widget view {view}")
    # request_state -> full update
    mid = send_shell("comm_msg", {"comm_id": wid, "data": {"method": "request_state"}})
    io = drain_iopub(mid)
    up = [m for m in of_type(io, "comm_msg") if m["content"]["data"]["method"] == "update"]
    check(up and up[0]["content"]["data"]["state"]["value"] == 3 and len(up[0]["buffers"]) == 2, f"request_state {up}")
    # update from the front end, with a binary field -> echo_update + change handler
    mid = send_shell("comm_msg", {"comm_id": wid, "data": {"method": "update", "state": {"value": 7}, "buffer_paths": [["data"]]}}, buffers=[struct.pack("<3f", 1, 2, 3)])
    io = drain_iopub(mid)
    check([m["content"]["execution_state"] for m in of_type(io, "status")] == ["busy", "idle"], "busy/idle around widget update")
    echo = [m for m in of_type(io, "comm_msg") if m["content"]["data"]["method"] == "echo_update"]
    check(echo and echo[0]["content"]["data"]["state"] == {"value": 7} and echo[0]["content"]["data"]["buffer_paths"] == [["data"]] and bytes(echo[0]["buffers"][0]) == struct.pack("<3f", 1, 2, 3), f"echo_update {echo}")
    check(any(m["msg_type"] == "stream" and "value 3 -> 7 (frontend)" in m["content"]["text"] for m in io), f"change handler {io}")
    reply, io = execute("[w.get('value'), (w.get('data') as DataView).getFloat32(8, true)]")
    check(of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "[ 7, 3 ]", f"state read back {io}")
    # custom message both ways
    mid = send_shell("comm_msg", {"comm_id": wid, "data": {"method": "custom", "content": {"ping": 1}}}, buffers=[b"abcd"])
    io = drain_iopub(mid)
    cu = [m for m in of_type(io, "comm_msg") if m["content"]["data"]["method"] == "custom"]
    check(cu and cu[0]["content"]["data"]["content"] == {"echo": {"ping": 1}, "lengths": [4]} and bytes(cu[0]["buffers"][0]) == b"\x07\x08\x09", f"custom {cu}")
    # kernel-side set -> update to the front end
    reply, io = execute("w.set({value: 9});")
    up = [m for m in of_type(io, "comm_msg") if m["content"]["data"]["method"] == "update"]
    check(up and up[0]["content"]["data"]["state"] == {"value": 9} and up[0]["content"]["comm_id"] == wid, f"kernel set {up}")
    # jupyter.widget.control: request_states -> update_states
    mid = send_shell("comm_open", {"comm_id": "ctl1", "target_name": "jupyter.widget.control", "data": {}}, metadata={"version": "1.0.0"})
    drain_iopub(mid)
    mid = send_shell("comm_msg", {"comm_id": "ctl1", "data": {"method": "request_states"}})
    io = drain_iopub(mid)
    us = [m for m in of_type(io, "comm_msg") if m["content"]["data"].get("method") == "update_states"]
    check(us, f"update_states {io}")
    d = us[0]["content"]["data"]
    check(d["states"][wid]["model_name"] == "IntSliderModel" and d["states"][wid]["state"]["value"] == 9, f"update_states content {d}")
    check([wid, "state", "data"] in d["buffer_paths"] and len(us[0]["buffers"]) == len(d["buffer_paths"]), f"update_states buffers {d['buffer_paths']}")
    r = kc.comm_info(target_name="jupyter.widget", reply=True, timeout=30)["content"]
    check(wid in r["comms"], f"comm_info widgets {r}")
    # widgets inside state travel as IPY_MODEL_ references
    reply, io = execute("const box = new kernel.Widget({modelName: 'BoxModel', modelModule: '@jupyter-widgets/controls', modelModuleVersion: '2.0.0'}, {children: [w]});")
    co = of_type(io, "comm_open")
    check(co and co[0]["content"]["data"]["state"]["children"] == [f"IPY_MODEL_{wid}"], f"model reference {co}")
    # a widget subclass defined in a cell, from the module imported by path (same kernel)
    reply, io = execute(
        f"import {{ Widget, inKernel }} from {json.dumps(API_JS)};\n"
        "class Counter extends Widget<{ count: number; label: string }> {\n"
        "  constructor(count = 0) {\n"
        "    super({ modelName: 'CounterModel', modelModule: 'pssr-test', modelModuleVersion: '0.1.0' }, { count, label: 'n' });\n"
        "    this.on('msg:custom', (c) => { if (c.op === 'inc') this.set({ count: this.get('count') + 1 }); });\n"
        "  }\n"
        "}\n"
        "const counter = new Counter(41);\n"
        "[inKernel(), counter instanceof kernel.Widget]"
    )
    check(reply["content"]["status"] == "ok", f"subclass cell {reply['content']}")
    check(of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "[ true, true ]", f"same module instance {io}")
    cid = of_type(io, "comm_open")[0]["content"]["comm_id"]
    mid = send_shell("comm_msg", {"comm_id": cid, "data": {"method": "custom", "content": {"op": "inc"}}})
    io = drain_iopub(mid)
    up = [m for m in of_type(io, "comm_msg") if m["content"]["data"]["method"] == "update"]
    check(up and up[0]["content"]["data"]["state"] == {"count": 42}, f"subclass update {io}")
    ok("widgets")

    # --- stdin input request
    msg_id = kc.execute("const answer = await input('Your name? ');\nanswer.toUpperCase()", allow_stdin=True)
    req = kc.get_stdin_msg(timeout=30)
    check(req["msg_type"] == "input_request" and req["content"]["prompt"] == "Your name? " and req["parent_header"]["msg_id"] == msg_id, f"input_request {req}")
    kc.input("ada")
    reply = shell_reply(msg_id)
    io = drain_iopub(msg_id)
    check(reply["content"]["status"] == "ok" and of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "'ADA'", f"input result {io}")
    ok("stdin_input")

    # --- heartbeat and control stay answered while cells run
    hb_ctx = zmq.Context()
    hb = hb_ctx.socket(zmq.REQ)
    hb.setsockopt(zmq.LINGER, 0)
    hb.connect(f"{kc.transport}://{kc.ip}:{kc.hb_port}")
    msg_id = kc.execute("const t0 = Date.now(); while (Date.now() - t0 < 1500) {} 'done'")
    time.sleep(0.3)
    hb.send(b"ping")
    check(hb.poll(1000), "heartbeat not answered during a synchronous cell")
    check(hb.recv() == b"ping", "heartbeat echo")
    shell_reply(msg_id)
    drain_iopub(msg_id)
    hb.close()
    hb_ctx.term()
    ok("heartbeat_during_sync_cell")

    # --- interrupt a running async loop (a training loop that checks the signal between steps)
    msg_id = kc.execute(
        "let steps = 0;\nconsole.log('started');\n"
        "while (true) {\n  kernel.throwIfInterrupted();\n  steps++;\n  await new Promise((r) => setTimeout(r, 5));\n}"
    )
    deadline = time.time() + 30
    started = False
    while time.time() < deadline and not started:
        m = kc.get_iopub_msg(timeout=30)
        started = m["msg_type"] == "stream" and "started" in m["content"]["text"]
    check(started, "loop did not start")
    time.sleep(0.3)
    # a control request is answered while the cell runs
    cmsg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(cmsg)
    crep = kc.get_control_msg(timeout=5)
    check(crep["msg_type"] == "kernel_info_reply", "control kernel_info during a running cell")
    t_int = time.time()
    km.interrupt_kernel()
    reply = shell_reply(msg_id, timeout=30)
    elapsed = time.time() - t_int
    drain_iopub(msg_id)
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt", f"interrupt reply {reply['content']}")
    check(elapsed < 3, f"interrupt took {elapsed:.1f}s")
    reply, io = execute("steps > 10")
    check(of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "true", f"loop ran {io}")
    # a loop that never checks the signal is abandoned after the grace period
    msg_id = kc.execute("let spins = 0;\nwhile (true) { spins++; await new Promise((r) => setTimeout(r, 5)); }")
    time.sleep(0.5)
    km.interrupt_kernel()
    reply = shell_reply(msg_id, timeout=30)
    drain_iopub(msg_id)
    check(reply["content"]["ename"] == "KeyboardInterrupt", f"forced interrupt {reply['content']}")
    reply, io = execute("1 + 1")
    check(reply["content"]["status"] == "ok", "kernel usable after interrupt")
    # a synchronous endless loop: interrupt_request arrives on the control thread, becomes a SIGINT
    msg_id = kc.execute("let busy = 0;\nwhile (true) { busy++; }")
    time.sleep(0.8)
    km.interrupt_kernel()
    reply = shell_reply(msg_id, timeout=30)
    drain_iopub(msg_id)
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt", f"sync interrupt {reply['content']}")
    reply, io = execute("busy > 0")
    check(of_type(io, "execute_result")[0]["content"]["data"]["text/plain"] == "true", f"after sync interrupt {io}")
    ok("interrupt")

    # --- stop_on_error aborts the cells queued behind a failing one (the failing cell waits a
    # moment so the second request is surely queued, as a notebook's "run all" would have it)
    a = kc.execute("await new Promise((r) => setTimeout(r, 500));\nthrow new Error('first')")
    b = kc.execute("'never runs'")
    ra, rb = shell_reply(a), shell_reply(b)
    check(ra["content"]["status"] == "error" and rb["content"]["status"] == "aborted", f"stop_on_error {rb['content']}")
    drain_iopub(a)
    drain_iopub(b)
    ok("stop_on_error")

    # --- shutdown: the kernel exits by itself
    kc.shutdown()
    deadline = time.time() + 10
    while time.time() < deadline and km.is_alive():
        time.sleep(0.05)
    check(not km.is_alive(), "kernel still alive after shutdown_request")
    ok("shutdown")
except Exception as e:  # noqa: BLE001 - report any client-side error as a failure
    print("FAIL", repr(e), flush=True)
    EXIT["code"] = 1
finally:
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)
    sys.stdout.flush()
    # Skip interpreter teardown: jupyter_client's __del__ hooks print noise when logging is gone.
    os._exit(EXIT["code"])
