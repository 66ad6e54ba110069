"""The kernel's status order, interrupt, crash and debug_request behaviour, judged by jupyter_client.

usage:
  kernel_lifecycle.py order KERNEL LANGUAGE   LANGUAGE python (ipykernel, the reference) or typescript
      Sends four execute_requests back to back (as JupyterLab's Run All does), then a comm_msg and a
      kernel_info_request while the first cell runs; prints JSON {"sequence": [...]} of iopub status
      and execute_input events labelled by request (e0..e3, comm, info).
  kernel_lifecycle.py interrupt KERNEL
      Interrupts (jupyter_client's interrupt_kernel, i.e. the kernelspec's interrupt_mode) cells that
      SIGINT alone cannot stop and cells that leave timers and async loops behind; prints "ok NAME"
      per passed check.
  kernel_lifecycle.py crash KERNEL CODE [NODE_OPTIONS]
      Runs CODE under jupyter_client's IOLoopKernelManager with its restarter; prints JSON with the
      restarter's events, whether a restarted kernel answers, and the seconds it took.
  kernel_lifecycle.py parent KERNEL
      Starts the kernel (JPY_PARENT_PID = this process), runs a cell that spins forever, prints the
      kernel's pid and sleeps: the caller kills this process and watches whether the kernel ends.
  kernel_lifecycle.py debug KERNEL
      Sends debug_request on the control channel; prints the debug_reply's content as JSON.
  kernel_lifecycle.py stuck-comm KERNEL
      A comm handler that never settles, then a cell; prints JSON: the cell's status, how long it
      waited, whether the comm message got its idle.
"""
import asyncio
import json
import os
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel

mode, kernel = sys.argv[1], sys.argv[2]


def out(obj):
    print(json.dumps(obj), flush=True)


def finish(code=0):
    sys.stdout.flush()
    # jupyter_client's __del__ hooks print noise when the interpreter tears down logging.
    os._exit(code)


def shell_reply(kc, msg_id, timeout):
    deadline = time.time() + timeout
    while True:
        r = kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
        if r["parent_header"].get("msg_id") == msg_id:
            return r


def iopub_until_idle(kc, msg_id, timeout=30):
    msgs = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.1)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") == msg_id:
            msgs.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
    return msgs


def order(language):
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=90)
    try:
        cell = "import time\ntime.sleep(0.4)\nprint('done')" if language == "python" else "await new Promise((r) => setTimeout(r, 400));\nconsole.log('done');"
        kc.execute("1" if language == "python" else "1;", silent=True)
        # let that warm-up request finish before the test starts
        time.sleep(1.0)
        while True:
            try:
                kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                break
        names = {}
        for i in range(4):
            names[kc.execute(cell)] = f"e{i}"
        time.sleep(0.1)
        comm = kc.session.msg("comm_msg", {"comm_id": "no-such-comm", "data": {}})
        kc.session.send(kc.shell_channel.socket, comm)
        names[comm["header"]["msg_id"]] = "comm"
        names[kc.kernel_info()] = "info"
        seq = []
        idle_seen = set()
        deadline = time.time() + 60
        while time.time() < deadline and idle_seen != set(names.values()):
            try:
                m = kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                continue
            label = names.get(m["parent_header"].get("msg_id"))
            if label is None:
                continue
            if m["msg_type"] == "status":
                state = m["content"]["execution_state"]
                seq.append(f"{state}:{label}")
                if state == "idle":
                    idle_seen.add(label)
            elif m["msg_type"] == "execute_input":
                seq.append(f"execute_input:{label}")
        out({"sequence": seq})
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def interrupt():
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=90)
    code = 0
    try:
        def wait_stream(marker, timeout=60):
            deadline = time.time() + timeout
            while time.time() < deadline:
                try:
                    m = kc.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    continue
                if m["msg_type"] == "stream" and marker in m["content"]["text"]:
                    return True
            return False

        def value(expr):
            msg_id = kc.execute(expr)
            shell_reply(kc, msg_id, 60)
            res = [m for m in iopub_until_idle(kc, msg_id) if m["msg_type"] == "execute_result"]
            return res[0]["content"]["data"]["text/plain"] if res else None

        def check(cond, msg):
            if not cond:
                print("FAIL", msg, flush=True)
                raise SystemExit(1)

        # 1. synchronous code after an await: SIGINT cannot reach it (it runs outside vm's breakOnSigint)
        msg_id = kc.execute("let spun = 0;\nconsole.log('spinning');\nawait new Promise((r) => setTimeout(r, 10));\nwhile (true) { spun++; }")
        check(wait_stream("spinning"), "spinning cell did not start")
        time.sleep(0.3)
        t0 = time.time()
        km.interrupt_kernel()
        try:
            reply = shell_reply(kc, msg_id, 20)
        except queue.Empty:
            check(False, "no reply within 20 s to an interrupted cell spinning after an await")
        took = time.time() - t0
        iopub_until_idle(kc, msg_id)
        check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt", f"reply {reply['content']}")
        check(took < 4.0, f"interrupt took {took:.1f} s")
        check(value("spun > 1000") == "true", "the kernel does not answer the next cell (or the loop never ran)")
        print(f"ok sync_after_await {took:.2f}", flush=True)

        # 2. leftovers of an interrupted cell: an interval and a detached async loop that print, under
        # a cell that stops by itself (kernel.sleep rejects) and under one that ignores the interrupt.
        for name, tail in (("cooperative", "await kernel.sleep(100000);"), ("abandoned", "await new Promise(() => {});")):
            msg_id = kc.execute(
                f"let ticks_{name} = 0, spins_{name} = 0;\n"
                f"setInterval(() => {{ ticks_{name}++; console.log('tick'); }}, 20);\n"
                f"(async () => {{ while (true) {{ spins_{name}++; console.log('loop'); await new Promise((r) => setTimeout(r, 15)); }} }})();\n"
                + tail
            )
            check(wait_stream("tick"), f"{name}: interval did not start")
            time.sleep(0.3)
            km.interrupt_kernel()
            reply = shell_reply(kc, msg_id, 20)
            check(reply["content"].get("ename") == "KeyboardInterrupt", f"{name}: reply {reply['content']}")
            iopub_until_idle(kc, msg_id)
            late = []
            deadline = time.time() + 1.0
            while time.time() < deadline:
                try:
                    m = kc.get_iopub_msg(timeout=0.1)
                except queue.Empty:
                    continue
                if m["msg_type"] == "stream":
                    late.append(m["content"]["text"])
            check(not late, f"{name}: output after the interrupt: {late[:3]}")
            before = value(f"[ticks_{name}, spins_{name}]")
            time.sleep(0.5)
            after = value(f"[ticks_{name}, spins_{name}]")
            check(before == after, f"{name}: still running after the interrupt: {before} -> {after}")
            print(f"ok leftovers_{name}", flush=True)

        # 3. a cooperative loop still ends cleanly (its own catch/finally runs) and state is kept
        msg_id = kc.execute(
            "let cleaned = false;\ntry {\n  console.log('working');\n  while (true) { kernel.throwIfInterrupted(); await new Promise((r) => setTimeout(r, 5)); }\n"
            "} finally { cleaned = true; }"
        )
        check(wait_stream("working"), "cooperative loop did not start")
        time.sleep(0.2)
        km.interrupt_kernel()
        reply = shell_reply(kc, msg_id, 20)
        iopub_until_idle(kc, msg_id)
        check(reply["content"].get("ename") == "KeyboardInterrupt" and value("cleaned") == "true", f"cooperative {reply['content']}")
        print("ok cooperative_finally", flush=True)
    except SystemExit as e:
        code = int(e.code or 1)
    except Exception as e:  # noqa: BLE001 - any client-side error is a failure
        print("FAIL", repr(e), flush=True)
        code = 1
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    finish(code)


def crash(code, node_options):
    # The asyncio kernel manager and restarter: the synchronous ones restart through a nested
    # event loop that a test's own loop can stop half-way.
    from jupyter_client.ioloop import AsyncIOLoopKernelManager
    from tornado.ioloop import IOLoop

    env = dict(os.environ)
    if node_options:
        env["NODE_OPTIONS"] = node_options
    result = {"events": [], "answers_after_restart": False}

    async def run():
        km = AsyncIOLoopKernelManager(kernel_name=kernel)
        events = []
        await km.start_kernel(env=env)
        km.add_restart_callback(lambda: events.append(("restart", time.time())), "restart")
        km.add_restart_callback(lambda: events.append(("dead", time.time())), "dead")
        km.start_restarter()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=90)
        t0 = time.time()
        kc.execute(code)
        # "restart" fires before the restart: wait for the new kernel to run.
        while time.time() - t0 < 60 and not (events and await km.is_alive()):
            await asyncio.sleep(0.1)
        result["events"] = [[e, round(t - t0, 2)] for e, t in events]
        kc.stop_channels()
        if events and events[0][0] == "restart":
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=90)
            msg_id = kc.execute("6 * 7")
            while True:
                reply = await kc.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            result["answers_after_restart"] = reply["content"]["status"] == "ok"
            kc.stop_channels()
        km.stop_restarter()
        await km.shutdown_kernel(now=True)

    IOLoop.current().run_sync(run)
    out(result)
    finish(0)


def parent():
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=90)
    msg_id = kc.execute("console.log('spinning');\nawait new Promise((r) => setTimeout(r, 10));\nwhile (true) {}")
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream":
            break
    out({"kernel_pid": km.provisioner.process.pid})
    time.sleep(600)


def stuck_comm():
    """A comm handler that never settles: its idle comes after the limit and later cells still run."""
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=90)
    try:
        msg_id = kc.execute("kernel.registerCommTarget('stuck', (comm) => { comm.onMsg(() => new Promise(() => {})); });")
        shell_reply(kc, msg_id, 60)
        iopub_until_idle(kc, msg_id)
        opened = kc.session.msg("comm_open", {"comm_id": "stuck1", "target_name": "stuck", "data": {}})
        kc.session.send(kc.shell_channel.socket, opened)
        iopub_until_idle(kc, opened["header"]["msg_id"])
        stuck = kc.session.msg("comm_msg", {"comm_id": "stuck1", "data": {}})
        kc.session.send(kc.shell_channel.socket, stuck)
        t0 = time.time()
        msg_id = kc.execute("6 * 7")
        reply = shell_reply(kc, msg_id, 60)
        took = time.time() - t0
        comm_idle = any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in iopub_until_idle(kc, stuck["header"]["msg_id"], 5))
        out({"status": reply["content"]["status"], "seconds": round(took, 2), "comm_idle": comm_idle})
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    finish(0)


def debug():
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=90)
    try:
        msg = kc.session.msg("debug_request", {"seq": 7, "type": "request", "command": "debugInfo", "arguments": {}})
        kc.control_channel.send(msg)
        reply = kc.get_control_msg(timeout=10)
        info = kc.kernel_info(reply=True, timeout=30)["content"]
        out({"msg_type": reply["msg_type"], "content": reply["content"], "kernel_info_debugger": info.get("debugger")})
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    finish(0)


if mode == "order":
    order(sys.argv[3])
    finish(0)
elif mode == "interrupt":
    interrupt()
elif mode == "crash":
    crash(sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
elif mode == "parent":
    parent()
elif mode == "debug":
    debug()
elif mode == "stuck-comm":
    stuck_comm()
else:
    print("unknown mode", mode, file=sys.stderr)
    finish(2)
