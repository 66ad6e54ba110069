"""Runs cells in a fresh pssr kernel (jupyter_client) started in a given folder and prints, as
JSON, each cell's outcome: {"status", "text" (execute_result text/plain), "ename", "evalue"}.

Usage: kernel_cells.py KERNEL_NAME CWD CELL [CELL ...]
A CELL of the form "#!mkfiles PATH..." is not executed: the files (relative to CWD, folders
created) are written, then the script waits a second, as a notebook folder sees checkpoints
and outputs appear between cells; its result is {"status": "files"}.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

name, cwd, cells = sys.argv[1], sys.argv[2], sys.argv[3:]
km, kc = start_new_kernel(kernel_name=name, cwd=cwd, startup_timeout=60)
results = []
try:
    for code in cells:
        if code.startswith("#!mkfiles "):
            for rel in code.split()[1:]:
                path = os.path.join(cwd, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write("export declare const x: number;\n")
            time.sleep(1.0)
            results.append({"status": "files"})
            continue
        msg_id = kc.execute(code)
        result = {"status": None, "text": None, "ename": None, "evalue": None}
        while True:
            m = kc.get_iopub_msg(timeout=60)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t = m["msg_type"]
            if t == "execute_result":
                result["text"] = m["content"]["data"].get("text/plain")
            elif t == "error":
                result["ename"], result["evalue"] = m["content"]["ename"], m["content"]["evalue"]
            elif t == "status" and m["content"]["execution_state"] == "idle":
                break
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result["status"] = reply["content"]["status"]
        results.append(result)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(results))
