"""PyTorch twin of pssr-lab's networks (src/model/architectures.ts), for parity tests and the
training benchmark. Layouts follow TensorFlow: weights come in as HWIO float32 and are
transposed to OIHW; 'same' padding is TensorFlow's (extra row/column at the bottom/right for
stride 2); pixel shuffle uses TensorFlow's depth_to_space channel order.

Modes (JSON on stdin):
  forward: {mode, dir, spec, x: [N,H,W,C], weights: [{name, shape}]} reads <dir>/w_<i>.bin and
           <dir>/x.bin, writes <dir>/y.bin (NHWC).
  bench:   {mode, spec, batch, lrPatch, steps, predictSide, tile, overlap, seed} times Adam
           training steps (MSE) and tiled inference; prints JSON timings and peak RSS.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def tf_same_pad(x, k, s):
    h, w = x.shape[2], x.shape[3]
    def pads(n):
        out = math.ceil(n / s)
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    t, b = pads(h)
    l, r = pads(w)
    return F.pad(x, (l, r, t, b))


def depth_to_space(x, r):
    n, c, h, w = x.shape
    co = c // (r * r)
    x = x.reshape(n, r, r, co, h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, co, h * r, w * r)


class Net(torch.nn.Module):
    """Parameters are created on first use, mirroring Params.get in TypeScript."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.params = torch.nn.ParameterDict()
        self.creating = True

    def p(self, name, shape):
        key = name.replace("/", "__")
        if key not in self.params:
            if not self.creating:
                raise KeyError(name)
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            std = math.sqrt(2 / max(fan_in, 1))
            init = torch.zeros(shape) if len(shape) == 1 else torch.randn(shape) * std
            self.params[key] = torch.nn.Parameter(init)
        return self.params[key]

    def conv(self, name, x, filters, k=3, stride=1, relu=True):
        w = self.p(name + "/kernel", (k, k, x.shape[1], filters))
        b = self.p(name + "/bias", (filters,))
        y = F.conv2d(tf_same_pad(x, k, stride), w.permute(3, 2, 0, 1), b, stride=stride)
        return F.relu(y) if relu else y

    def res_block(self, name, x, filters, stride, k):
        h = self.conv(name + "/conv1", x, filters, k, stride)
        h2 = self.conv(name + "/conv2", h, filters, k, relu=False)
        sc = x
        if stride > 1:
            sc = F.avg_pool2d(sc, stride, stride)
        if sc.shape[1] != filters:
            sc = self.conv(name + "/proj", sc, filters, 1, relu=False)
        return F.relu(h2 + sc)

    def unet(self, x):
        s = self.spec
        k, f = s["kernelSize"], s["firstFilters"]
        h = self.conv("stem/conv1", x, f, k)
        h = self.conv("stem/conv2", h, f, k)
        skips = [h]
        for level in range(1, s["depth"] + 1):
            filters = f * 2 ** level
            h = self.res_block(f"enc{level}/block0", h, filters, 2, k)
            for b in range(1, s["blocksPerLevel"]):
                h = self.res_block(f"enc{level}/block{b}", h, filters, 1, k)
            if level < s["depth"]:
                skips.append(h)
        h = self.res_block("middle", h, f * 2 ** s["depth"], 1, k)
        for level in range(s["depth"] - 1, -1, -1):
            filters = f * 2 ** level
            up = depth_to_space(self.conv(f"dec{level}/up", h, filters * 4, 1), 2)
            h = torch.cat([up, skips[level]], 1)
            h = self.conv(f"dec{level}/conv1", h, filters, k)
            h = self.conv(f"dec{level}/conv2", h, filters, k)
        return h

    def forward(self, x):
        s = self.spec
        sc = s["scale"]
        if s["arch"] == "resunet-lr":
            h = self.unet(x)
            cross = torch.cat([h, x], 1)
            head = self.conv("head/expand", cross, s["firstFilters"] * sc * sc, s["kernelSize"])
            hr = depth_to_space(head, sc) if sc > 1 else head
            out = self.conv("head/out", hr, s["outChannels"], s["kernelSize"], relu=False)
            c = x.shape[1]
            center = x if c == 1 else x[:, c // 2 : c // 2 + 1]
            up = F.interpolate(center, scale_factor=sc, mode="bilinear", align_corners=False) if sc > 1 else center
            return out + up
        if s["arch"] == "resunet":
            up = F.interpolate(x, scale_factor=sc, mode="bilinear", align_corners=False) if sc > 1 else x
            h = self.unet(up)
            r = self.res_block("final/res", torch.cat([h, up], 1), s["firstFilters"], 1, s["kernelSize"])
            return self.conv("final/out", r, s["outChannels"], 1, relu=False)
        raise ValueError(s["arch"])


def build(spec, in_side):
    net = Net(spec)
    with torch.no_grad():
        net(torch.zeros(1, spec["inChannels"], in_side, in_side))
    net.creating = False
    return net


def forward_mode(cfg):
    d = cfg["dir"]
    spec = cfg["spec"]
    n, h, w, c = cfg["x"]
    net = build(spec, 16)
    with torch.no_grad():
        for i, wt in enumerate(cfg["weights"]):
            arr = np.fromfile(os.path.join(d, f"w_{i}.bin"), dtype="<f4").reshape(wt["shape"])
            net.params[wt["name"].replace("/", "__")].copy_(torch.tensor(arr))
        x = np.fromfile(os.path.join(d, "x.bin"), dtype="<f4").reshape(n, h, w, c).transpose(0, 3, 1, 2)
        y = net(torch.tensor(np.ascontiguousarray(x)))
    y.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, "y.bin"))
    print(json.dumps(["y"]))


def tile_starts(size, tile, overlap):
    if size <= tile:
        return [0]
    starts, a = [], 0
    while True:
        if a + tile >= size:
            starts.append(size - tile)
            break
        starts.append(a)
        a += tile - overlap
    return sorted(set(starts))


def bench_mode(cfg):
    torch.manual_seed(cfg.get("seed", 0))
    spec = cfg["spec"]
    b, p, sc = cfg["batch"], cfg["lrPatch"], spec["scale"]
    net = build(spec, 16)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.99))
    x = torch.rand(b, spec["inChannels"], p, p)
    y = torch.rand(b, 1, p * sc, p * sc)
    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(cfg["steps"]):
        step()
    train_ms = (time.perf_counter() - t0) / cfg["steps"] * 1000
    side, tile, ov = cfg["predictSide"], cfg["tile"], cfg["overlap"]
    img = torch.rand(1, spec["inChannels"], side, side)
    out = torch.zeros(1, 1, side * sc, side * sc)
    ys = tile_starts(side, tile, ov)
    with torch.no_grad():
        net(img[:, :, :tile, :tile])
        t0 = time.perf_counter()
        for ty in ys:
            for tx in ys:
                o = net(img[:, :, ty:ty + tile, tx:tx + tile])
                out[:, :, ty * sc:(ty + tile) * sc, tx * sc:(tx + tile) * sc] = o
        predict_ms = (time.perf_counter() - t0) * 1000
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"train_ms": train_ms, "predict_ms": predict_ms, "peak_mb": peak_mb, "threads": torch.get_num_threads(), "torch": torch.__version__}))


cfg = json.load(sys.stdin)
if "threads" in cfg:  # the benchmark compares at the same thread count
    torch.set_num_threads(int(cfg["threads"]))
if cfg["mode"] == "forward":
    forward_mode(cfg)
else:
    bench_mode(cfg)
