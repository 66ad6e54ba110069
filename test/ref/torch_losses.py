"""Reference values and gradients of the training losses with PyTorch (float64).

stdin: JSON {dir, cases: [{name, pred: [N,H,W,Cp], target: [N,H,W,C], loss}]}; reads
<dir>/<name>_pred.bin and _target.bin (NHWC float32); writes <dir>/<name>_value.bin (1 value)
and <name>_grad.bin (d loss / d pred, NHWC). Prints the names written.

ms_ssim follows pytorch_msssim 1.0 (ms_ssim/_ssim/gaussian_filter, valid filtering,
avg_pool2d(2, padding=side%2), relu, weights) written out here because Debian has no
pytorch_msssim; with fewer than 5 scales the first weights are renormalised (as ours).
The msssim-l1 loss is PSSR2's pssr/loss.py SSIMLoss(mix=0.8, ms=True).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]


def fspecial_gauss_1d(size, sigma):
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    return g.unsqueeze(0).unsqueeze(0)


def gaussian_filter(x, win):
    c = x.shape[1]
    out = F.conv2d(x, win.transpose(2, -1).unsqueeze(0).expand(c, 1, 1, -1).transpose(2, 3), groups=c)
    out = F.conv2d(out, win.unsqueeze(0).expand(c, 1, 1, -1), groups=c)
    return out


def ssim_terms(x, y, win, data_range=1.0, k=(0.01, 0.03)):
    c1 = (k[0] * data_range) ** 2
    c2 = (k[1] * data_range) ** 2
    mu1 = gaussian_filter(x, win)
    mu2 = gaussian_filter(y, win)
    mu1_sq, mu2_sq, mu1_mu2 = mu1.pow(2), mu2.pow(2), mu1 * mu2
    s1 = gaussian_filter(x * x, win) - mu1_sq
    s2 = gaussian_filter(y * y, win) - mu2_sq
    s12 = gaussian_filter(x * y, win) - mu1_mu2
    cs_map = (2 * s12 + c2) / (s1 + s2 + c2)
    ssim_map = ((2 * mu1_mu2 + c1) / (mu1_sq + mu2_sq + c1)) * cs_map
    return torch.flatten(ssim_map, 2).mean(-1), torch.flatten(cs_map, 2).mean(-1)


def ms_ssim(x, y, win_size=11, win_sigma=1.5):
    win = fspecial_gauss_1d(win_size, win_sigma)
    side = min(x.shape[-2:])
    levels = 0
    while levels < 5 and side > (win_size - 1) * 2 ** levels:
        levels += 1
    w = torch.tensor(WEIGHTS[:levels], dtype=torch.float64)
    w = w / w.sum()
    mcs = []
    for i in range(levels):
        ssim_pc, cs = ssim_terms(x, y, win)
        if i < levels - 1:
            mcs.append(torch.relu(cs))
            padding = [s % 2 for s in x.shape[2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=padding)
            y = F.avg_pool2d(y, kernel_size=2, padding=padding)
    ssim_pc = torch.relu(ssim_pc)
    vals = torch.stack(mcs + [ssim_pc], dim=0)
    return torch.prod(vals ** w.view(-1, 1, 1), dim=0).mean()


def msssim_l1(pred, target, mix=0.8, win_size=11, win_sigma=1.5):
    channels = pred.shape[1]
    x = 1 - ms_ssim(pred, target)
    g = fspecial_gauss_1d(win_size, win_sigma)[0, 0]
    gaussian = torch.outer(g, g)[None, None].expand(channels, 1, win_size, win_size)
    l1 = F.conv2d(F.l1_loss(pred, target, reduction="none"), gaussian, groups=channels, padding=(win_size - 1) // 2).mean()
    return mix * x + (1 - mix) * l1


def loss(name, pred, target):
    n = target.shape[1]
    if name == "mse":
        return F.mse_loss(pred[:, :n], target)
    if name == "l1":
        return F.l1_loss(pred[:, :n], target)
    if name == "laplace":
        mu, sigma = pred[:, :n], pred[:, n:]
        return (torch.abs(mu - target) / sigma + torch.log(sigma)).mean() + math.log(2)
    if name == "msssim-l1":
        return msssim_l1(pred[:, :n], target)
    raise ValueError(name)


spec = json.load(sys.stdin)
d = spec["dir"]
written = []
for case in spec["cases"]:
    name = case["name"]
    load = lambda suffix, shape: np.fromfile(os.path.join(d, f"{name}_{suffix}.bin"), dtype="<f4").reshape(shape).transpose(0, 3, 1, 2).astype(np.float64)
    pred = torch.tensor(load("pred", case["pred"]), requires_grad=True)
    target = torch.tensor(load("target", case["target"]))
    value = loss(case["loss"], pred, target)
    value.backward()
    np.array([value.item()], dtype="<f4").tofile(os.path.join(d, f"{name}_value.bin"))
    pred.grad.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, f"{name}_grad.bin"))
    written += [f"{name}_value", f"{name}_grad"]
print(json.dumps(written))
