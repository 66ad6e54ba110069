"""Reference input gradients of pooling/resizing ops with PyTorch (float64).

stdin: JSON {dir, shape: [N,H,W,C], ops: [name...]}. Reads <dir>/x.bin (NHWC float32) and
<dir>/<op>_r.bin (the weights r, NHWC of the op's output); the gradient of sum(op(x) * r)
with respect to x is written to <dir>/<op>_dx.bin (NHWC). Prints the names written.
ops: maxpool2 (2x2 stride 2), avgpool2, bilinear4 (x4, align_corners=False),
bilinear_aligned (to 2n-1, align_corners=True), nearest2 (x2).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

spec = json.load(sys.stdin)
d = spec["dir"]
n, h, w, c = spec["shape"]
x0 = np.fromfile(os.path.join(d, "x.bin"), dtype="<f4").reshape(n, h, w, c).transpose(0, 3, 1, 2).astype(np.float64)
OPS = {
    "maxpool2": lambda x: F.max_pool2d(x, 2),
    "avgpool2": lambda x: F.avg_pool2d(x, 2),
    "bilinear4": lambda x: F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False),
    "bilinear_aligned": lambda x: F.interpolate(x, size=(x.shape[2] * 2 - 1, x.shape[3] * 2 - 1), mode="bilinear", align_corners=True),
    "nearest2": lambda x: F.interpolate(x, scale_factor=2, mode="nearest"),
}
written = []
for op in spec["ops"]:
    x = torch.tensor(x0, requires_grad=True)
    y = OPS[op](x)
    yn, yc, yh, yw = y.shape
    r = np.fromfile(os.path.join(d, f"{op}_r.bin"), dtype="<f4").reshape(yn, yh, yw, yc).transpose(0, 3, 1, 2)
    (y * torch.tensor(r.astype(np.float64))).sum().backward()
    x.grad.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, f"{op}_dx.bin"))
    written.append(f"{op}_dx")
print(json.dumps(written))
