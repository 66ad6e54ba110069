"""The PyTorch peer for the GPU bundle: runs test/ref/torch_resunet.py (copied beside this file
as torch_resunet_orig.py) on the device TORCH_DEVICE says ("cuda", "cpu"; default: cuda when
available). For CUDA every tensor is created on the GPU (torch.set_default_device) and every
time.perf_counter() call first waits for the GPU (torch.cuda.synchronize), so the timings the
script takes around its loops cover the queued GPU work. If this interpreter has no torch but
PSSR_TORCH_PYTHON names one that does, it re-executes itself there.
"""
import os
import sys
import time

try:
    import torch
except ImportError:
    alt = os.environ.get("PSSR_TORCH_PYTHON")
    if alt and os.path.realpath(alt) != os.path.realpath(sys.executable):
        os.execv(alt, [alt, *sys.argv])
    raise

device = os.environ.get("TORCH_DEVICE", "")
if device in ("", "auto"):
    device = "cuda" if torch.cuda.is_available() else "cpu"
if device == "cuda":
    if not torch.cuda.is_available():
        sys.exit("TORCH_DEVICE=cuda but torch.cuda.is_available() is False")
    torch.set_default_device("cuda")
    _perf = time.perf_counter

    def _synced_perf_counter():
        torch.cuda.synchronize()
        return _perf()

    time.perf_counter = _synced_perf_counter
    torch.backends.cudnn.benchmark = True

src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_resunet_orig.py")
with open(src) as f:
    code = compile(f.read(), src, "exec")
exec(code, {"__name__": "__main__", "__file__": src})
