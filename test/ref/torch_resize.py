"""PyTorch bilinear upsampling (align_corners=False) of an NHWC float32 array.

stdin: JSON {dir, shape: [N,H,W,C], factor}. Reads <dir>/x.bin, writes <dir>/y.bin (NHWC).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

spec = json.load(sys.stdin)
n, h, w, c = spec["shape"]
x = np.fromfile(os.path.join(spec["dir"], "x.bin"), dtype="<f4").reshape(n, h, w, c).transpose(0, 3, 1, 2)
y = F.interpolate(torch.tensor(x.astype(np.float64)), scale_factor=spec["factor"], mode="bilinear", align_corners=False)
y.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(spec["dir"], "y.bin"))
print(json.dumps(["y"]))
