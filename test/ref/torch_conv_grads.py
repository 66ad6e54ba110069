"""Reference gradients of a 2D convolution with PyTorch (CPU, float64 accumulation).

stdin: JSON {dir, cases: [{name, x: [N,H,W,Ci], w: [kh,kw,Ci,Co], stride, pads: [top,bottom,left,right], dilation?}]}
Inputs <dir>/<name>_x.bin, _w.bin, _dy.bin are float32 NHWC / HWIO / NHWC (TensorFlow layouts).
Writes <name>_y.bin and <name>_dx.bin (NHWC) and <name>_dw.bin (HWIO) and prints the list of names written.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

spec = json.load(sys.stdin)
d = spec["dir"]
written = []
for case in spec["cases"]:
    name = case["name"]
    n, h, w, ci = case["x"]
    kh, kw, _, co = case["w"]
    top, bottom, left, right = case["pads"]
    s = case["stride"]
    dil = case.get("dilation", 1)
    load = lambda suffix: np.fromfile(os.path.join(d, f"{name}_{suffix}.bin"), dtype="<f4")
    x = torch.tensor(np.ascontiguousarray(load("x").reshape(n, h, w, ci).transpose(0, 3, 1, 2), dtype=np.float64), requires_grad=True)
    wt = torch.tensor(np.ascontiguousarray(load("w").reshape(kh, kw, ci, co).transpose(3, 2, 0, 1), dtype=np.float64), requires_grad=True)
    y = F.conv2d(F.pad(x, (left, right, top, bottom)), wt, stride=s, dilation=dil)
    dy = torch.tensor(load("dy").reshape(y.shape[0], y.shape[2], y.shape[3], y.shape[1]).transpose(0, 3, 1, 2).astype(np.float64))
    y.backward(dy)
    y.detach().numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, f"{name}_y.bin"))
    x.grad.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, f"{name}_dx.bin"))
    wt.grad.numpy().transpose(2, 3, 1, 0).astype("<f4").tofile(os.path.join(d, f"{name}_dw.bin"))
    written += [f"{name}_y", f"{name}_dx", f"{name}_dw"]
print(json.dumps(written))
