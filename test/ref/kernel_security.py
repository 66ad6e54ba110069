"""Message signing checks of the pssr-lab kernel, judged with jupyter_client's Session.

usage: kernel_security.py KERNEL_NAME WORKDIR

1. wrong key / no signature: the kernel is started on a connection file with a key; messages
   signed with another key, or not signed, ask it to create a marker file. They must not run
   (the marker files must not exist) and the kernel must log the drop on stderr. A correctly
   signed message doing the same must run (positive control).
2. empty key: the kernel warns on stderr that signing is disabled and accepts unsigned messages.
Prints "ok <check>" lines; exits non-zero on failure.
"""
import json
import os
import subprocess
import sys
import time

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file
from jupyter_client.kernelspec import KernelSpecManager

NAME, WORK = sys.argv[1], sys.argv[2]
spec = KernelSpecManager().get_kernel_spec(NAME)
EXIT = {"code": 0}


def check(cond, msg):
    if not cond:
        print("FAIL", msg, flush=True)
        EXIT["code"] = 1
        raise SystemExit(1)


def start(key):
    cf = os.path.join(WORK, f"conn-{len(key)}.json")
    write_connection_file(cf, key=key.encode())
    err = open(os.path.join(WORK, f"stderr-{len(key)}.txt"), "wb")
    argv = [a.replace("{connection_file}", cf) for a in spec.argv]
    proc = subprocess.Popen(argv, stderr=err, stdout=subprocess.DEVNULL, cwd=WORK)
    return cf, proc, err.name


def client(cf, key=None):
    kc = BlockingKernelClient()
    kc.load_connection_file(cf)
    if key is not None:
        kc.session.key = key
    kc.start_channels()
    return kc


def wait_ready(kc, timeout=90):
    """kernel_info until answered (not wait_for_ready: on a loaded machine its 1 s heartbeat
    deadline can call a starting kernel dead)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg_id = kc.kernel_info()
        try:
            while True:
                r = kc.get_shell_msg(timeout=2)
                if r["parent_header"].get("msg_id") == msg_id:
                    return
        except Exception:  # queue.Empty: not up yet
            continue
    raise RuntimeError("kernel did not answer kernel_info")


def reply_to(kc, msg_id, timeout=60):
    deadline = time.time() + timeout
    while True:
        r = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if r["parent_header"].get("msg_id") == msg_id:
            return r


def write_code(path):
    return f"import * as fs from 'fs';\nfs.writeFileSync({json.dumps(path)}, 'ran');"


procs = []
try:
    # 1. wrong key and missing signature
    cf, proc, errfile = start("a3f9c2d1e8b7")
    procs.append(proc)
    good = client(cf)
    wait_ready(good)
    wrong = client(cf, key=b"not-the-key")
    unsigned = client(cf, key=b"")
    marker_wrong = os.path.join(WORK, "marker-wrong-key")
    marker_unsigned = os.path.join(WORK, "marker-unsigned")
    marker_good = os.path.join(WORK, "marker-good")
    wrong.execute(write_code(marker_wrong))
    unsigned.execute(write_code(marker_unsigned))
    time.sleep(0.5)
    msg_id = good.execute(write_code(marker_good))
    reply = reply_to(good, msg_id)
    check( reply["content"]["status"] == "ok", f"good execute {reply['content']}")
    time.sleep(0.3)
    check(os.path.exists(marker_good), "a correctly signed execute did not run (positive control)")
    check(not os.path.exists(marker_wrong), "a message signed with the wrong key was executed")
    check(not os.path.exists(marker_unsigned), "an unsigned message was executed")
    # nothing came back to the bad clients
    for bad in (wrong, unsigned):
        try:
            r = bad.get_shell_msg(timeout=0.5)
            check(False, f"a bad-signature client got a reply: {r['msg_type']}")
        except Exception as e:  # queue.Empty
            if isinstance(e, SystemExit):
                raise
    good.shutdown()
    proc.wait(timeout=15)
    log = open(errfile).read()
    check(log.count("dropped a shell message") == 2, f"kernel stderr should log two drops: {log!r}")
    check("does not match" in log and "not signed" in log, f"drop reasons: {log!r}")
    print("ok wrong_key_not_executed", flush=True)
    for k in (good, wrong, unsigned):
        k.stop_channels()

    # 2. empty key: a warning, and unsigned messages work
    cf, proc, errfile = start("")
    procs.append(proc)
    kc = client(cf)
    wait_ready(kc)
    msg_id = kc.execute("40 + 2")
    reply = reply_to(kc, msg_id)
    check(reply["content"]["status"] == "ok", f"empty-key execute {reply['content']}")
    kc.shutdown()
    proc.wait(timeout=15)
    kc.stop_channels()
    log = open(errfile).read()
    check("empty key" in log and "not signed" in log, f"no empty-key warning on stderr: {log!r}")
    print("ok empty_key_warning", flush=True)
except SystemExit:
    pass
except Exception as e:  # noqa: BLE001
    print("FAIL", repr(e), flush=True)
    EXIT["code"] = 1
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    sys.stdout.flush()
    os._exit(EXIT["code"])
