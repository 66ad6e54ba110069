"""The pssr-lab kernel behind jupyter_server, the way JupyterLab talks to it: REST to start the
kernel, then the kernel's websocket (JSON and binary frames, jupyter_server's own codec).

usage: kernel_server.py KERNEL_NAME ROOT_DIR   (the kernelspec findable via JUPYTER_PATH)
Prints "ok <check>" lines; exits non-zero on failure.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import uuid

from jupyter_server.base.zmqhandlers import deserialize_binary_message, serialize_binary_message
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

NAME, ROOT = sys.argv[1], sys.argv[2]
TOKEN = uuid.uuid4().hex
EXIT = {"code": 0}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check(cond, msg):
    if not cond:
        print("FAIL", msg, flush=True)
        EXIT["code"] = 1
        raise SystemExit(1)


PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"


def api(method, path, body=None):
    req = urllib.request.Request(f"{BASE}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = r.read()
        return json.loads(data) if data else None


def message(msg_type, content, channel="shell", buffers=None):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": SESSION, "username": "test", "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": buffers or [],
    }


SESSION = uuid.uuid4().hex


async def scenario(kernel_id):
    ws = await websocket_connect(f"ws://127.0.0.1:{PORT}/api/kernels/{kernel_id}/channels?session_id={SESSION}&token={TOKEN}")

    async def request(msg, binary=False):
        if binary:
            await ws.write_message(serialize_binary_message(msg), binary=True)
        else:
            m = dict(msg)
            m.pop("buffers")
            await ws.write_message(json.dumps(m))
        got, reply, idle = [], None, False
        deadline = time.time() + 60
        # comm_open/comm_msg/comm_close have no shell reply; every *_request waits for its reply too
        # (iopub's idle may arrive before the shell reply)
        no_reply = msg["header"]["msg_type"] in ("comm_open", "comm_msg", "comm_close")
        while time.time() < deadline and not (idle and (reply or no_reply)):
            raw = await ws.read_message()
            check(raw is not None, "websocket closed")
            m = deserialize_binary_message(raw) if isinstance(raw, bytes) else json.loads(raw)
            if m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            if m["channel"] == "shell":
                reply = m
            elif m["channel"] == "iopub":
                got.append(m)
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
        check(idle, f"no idle for {msg['header']['msg_type']}")
        return reply, got

    reply, io = await request(message("execute_request", {"code": "const k = 20;\nconsole.log('via server');\nk * 2 + 2", "silent": False,
                                                             "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}))
    check(reply["content"]["status"] == "ok", f"execute via server {reply['content']}")
    res = [m for m in io if m["msg_type"] == "execute_result"]
    check(res and res[0]["content"]["data"]["text/plain"] == "42", f"result via server {io}")
    check(any(m["msg_type"] == "stream" and m["content"]["text"] == "via server\n" for m in io), "stream via server")
    print("ok server_execute", flush=True)

    reply, io = await request(message("execute_request", {"code": "const w = new kernel.Widget<{ v: number; img: DataView | null }>({modelName: 'M', modelModule: 'm', modelModuleVersion: '1'}, {v: 1, img: null});\n"
                                                                      "w.on('change:v', (v) => console.log('v =', v, w.get('img')?.byteLength));\nw",
                                                             "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}))
    co = [m for m in io if m["msg_type"] == "comm_open"]
    check(co, f"widget comm_open via server {io}")
    wid = co[0]["content"]["comm_id"]
    # a front-end update with a binary field, as the widget manager sends it (binary websocket frame)
    upd = message("comm_msg", {"comm_id": wid, "data": {"method": "update", "state": {"v": 2}, "buffer_paths": [["img"]]}}, buffers=[bytes(1000)])
    _, io = await request(upd, binary=True)
    echo = [m for m in io if m["msg_type"] == "comm_msg" and m["content"]["data"]["method"] == "echo_update"]
    check(echo and len(echo[0]["buffers"]) == 1 and len(echo[0]["buffers"][0]) == 1000, f"echo_update with buffer via server {io}")
    check(any(m["msg_type"] == "stream" and "v = 2 1000" in m["content"]["text"] for m in io), f"change handler via server {io}")
    reply, _ = await request(message("comm_info_request", {"target_name": "jupyter.widget"}))
    check(reply["msg_type"] == "comm_info_reply" and wid in reply["content"]["comms"], f"comm_info via server {reply}")
    print("ok server_widget_binary", flush=True)
    ws.close()


env = dict(os.environ)
server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={PORT}", "--ip=127.0.0.1",
                           f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False", "--allow-root"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
try:
    deadline = time.time() + 60
    while True:
        try:
            api("GET", "/api/status")
            break
        except Exception:  # noqa: BLE001 - not up yet
            check(time.time() < deadline and server.poll() is None, "jupyter_server did not start")
            time.sleep(0.2)
    kernel = api("POST", "/api/kernels", {"name": NAME})
    IOLoop.current().run_sync(lambda: scenario(kernel["id"]), timeout=120)
    api("DELETE", f"/api/kernels/{kernel['id']}")
    print("ok server_shutdown", flush=True)
except SystemExit:
    pass
except Exception as e:  # noqa: BLE001
    print("FAIL", repr(e), flush=True)
    EXIT["code"] = 1
finally:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    if EXIT["code"]:
        sys.stdout.write(server.stderr.read().decode(errors="replace")[-3000:])
    sys.stdout.flush()
    os._exit(EXIT["code"])
