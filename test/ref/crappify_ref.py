"""Reference for the crappifier tests, on Debian's scikit-image 0.19 / scipy 1.10 / Pillow.

Usage: crappify_ref.py OUTDIR NSEEDS CROP
Writes into OUTDIR (raw little-endian arrays + index.json):
- the real input crops the TypeScript side must use (uint8);
- for each PSSR recipe, the mean and the per-pixel standard deviation of the output over
  NSEEDS seeds, computed with the same skimage/scipy operations as BPHO-Salk/PSSR
  utils/crappifiers.py (random_noise localvar/salt/pepper, filters.gaussian, rescale, zoom);
  random_noise gets a seeded numpy Generator (PSSR itself used fresh entropy);
- outputs of deterministic operators (Pillow BILINEAR resize, scipy zoom along one axis,
  fftconvolve mode='same', skimage rescale order 0 upsampling);
- Poisson pmf and normal quantiles for goodness-of-fit checks of our samplers.
"""
import json
import os
import sys

import numpy as np
import tifffile
from PIL import Image as PILImage
from scipy import stats
from scipy.ndimage import zoom as npzoom
from scipy.signal import fftconvolve
from skimage import filters
from skimage.transform import rescale
from skimage.util import random_noise

outdir, nseeds, crop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
samples = os.path.join(os.path.dirname(__file__), "..", "..", "data-samples")
index = {}


def save(name, arr, dtype):
    a = np.ascontiguousarray(arr, dtype=dtype)
    path = os.path.join(outdir, name + ".bin")
    a.tofile(path)
    index[name] = {"path": path, "shape": list(a.shape), "dtype": str(a.dtype)}


# --- inputs: real crops -------------------------------------------------------------------
bpae = tifffile.imread(os.path.join(samples, "fluo", "BPAE_mito.tif")).astype(np.float64)
# PSSR tile_from_info: raw / stack max * 255 -> uint8; a crop through the cell.
fluo8 = (bpae / bpae.max() * 255).astype(np.uint8)
fy, fx = 260, 480
fluo = fluo8[fy:fy + crop, fx:fx + crop].copy()
em = tifffile.imread(os.path.join(samples, "em", "emdiffuse_demo", "mouse_liver_0.tif"))[:crop, :crop].copy()
save("fluo_in", fluo, np.uint8)
save("em_in", em, np.uint8)


# --- PSSR recipes with seeded generators -----------------------------------------------------
def new_crap_AG_SP(x, rng, scale=4):
    xn = np.array(x)
    xorig_max = xn.max()
    xn = xn.astype(np.float32)
    xn /= float(np.iinfo(np.uint8).max)
    lvar = filters.gaussian(xn, sigma=5) + 1e-10
    xn = random_noise(xn, mode="localvar", local_vars=lvar * 0.5, seed=rng)
    xn = random_noise(xn, mode="salt", amount=0.005, seed=rng)
    xn = random_noise(xn, mode="pepper", amount=0.005, seed=rng)
    new_max = xn.max()
    if new_max > 0:
        xn /= new_max
    xn *= xorig_max
    xn = rescale(xn, scale=1 / scale, order=1)
    return xn.astype(np.uint8)


def em_AG_D_sameas_preprint(x, rng, scale=4):
    lvar = filters.gaussian(x, sigma=3)
    x = random_noise(x, mode="localvar", local_vars=lvar * 0.05, seed=rng)
    x_down = npzoom(x, 1 / scale, order=1)
    x_up = npzoom(x_down, scale, order=1)
    return x_down, x_up


def default_crap_2019(img, rng, scale=4, pscale=12, gscale=0.0001):
    x = np.array(img)
    img_max = x.max()
    x = x.astype(np.float32)
    x /= float(img_max)
    x = rescale(x, scale=1 / scale, order=1)
    x = rng.poisson(x * pscale) / pscale
    x += rng.normal(0, gscale, size=x.shape)
    x = np.maximum(0, x)
    x /= x.max()
    x *= img_max
    return x.astype(np.uint8)  # the nearest x4 upsample commutes with this cast


def pssr2_notebook(hr_u8, rng, scale=4):
    # ucsdmanorlab/PSSR2 v2.4.0: data.py::_gen_pair (Pillow BILINEAR resize, crappify,
    # clip(round)), MultiCrappifier(Poisson(intensity=1.2), SaltPepper(intensity=0.5)) with
    # clipping to [0, 255] between steps; np.random replaced by a seeded Generator.
    h, w = hr_u8.shape
    lr = np.asarray(PILImage.fromarray(hr_u8.astype(np.float32), mode="F").resize((w // scale, h // scale), PILImage.BILINEAR))
    x = lr.astype(np.float32)
    x = np.clip(x * (1 - 1.2) + rng.poisson(np.clip(x, 0, np.inf)) * 1.2 + 0, 0, 255)
    x = np.clip(random_noise(np.clip(x + 0, 0, 255) / 255, mode="s&p", amount=0.5 / 100, seed=rng) * 255, 0, 255)
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def stats_over_seeds(fn):
    outs = [np.asarray(fn(np.random.default_rng(1000 + s)), dtype=np.float64) for s in range(nseeds)]
    stack = np.stack(outs)
    return stack.mean(0), stack.std(0)


m, s = stats_over_seeds(lambda rng: new_crap_AG_SP(fluo, rng))
save("pssr_fluo_fluo_mean", m, np.float32)
save("pssr_fluo_fluo_std", s, np.float32)
m, s = stats_over_seeds(lambda rng: new_crap_AG_SP(em, rng))
save("pssr_fluo_em_mean", m, np.float32)
save("pssr_fluo_em_std", s, np.float32)
emf = em.astype(np.float64) / 255.0
m, s = stats_over_seeds(lambda rng: em_AG_D_sameas_preprint(emf, rng)[0])
save("pssr_em_em_mean", m, np.float32)
save("pssr_em_em_std", s, np.float32)
m, s = stats_over_seeds(lambda rng: em_AG_D_sameas_preprint(emf, rng)[1])
save("pssr_em_em_up_mean", m, np.float32)
save("pssr_em_em_up_std", s, np.float32)
m, s = stats_over_seeds(lambda rng: pssr2_notebook(fluo, rng))
save("pssr2_fluo_mean", m, np.float32)
save("pssr2_fluo_std", s, np.float32)
m, s = stats_over_seeds(lambda rng: default_crap_2019(fluo, rng))
save("pssr_2019_fluo_mean", m, np.float32)
save("pssr_2019_fluo_std", s, np.float32)

# --- deterministic operators -----------------------------------------------------------------
xf = fluo.astype(np.float32)
h, w = xf.shape
save("pil_bilinear_div4", np.asarray(PILImage.fromarray(xf, mode="F").resize((w // 4, h // 4), PILImage.BILINEAR)), np.float32)
save("pil_bilinear_to_37x50", np.asarray(PILImage.fromarray(xf, mode="F").resize((50, 37), PILImage.BILINEAR)), np.float32)
down0 = npzoom(xf, (1, 1 / 4), order=0)
save("zoom_x_quarter_order0", down0, np.float32)
save("zoom_x_back_order1", npzoom(down0, (1, 4), order=1), np.float32)
save("zoom_y_quarter_order0", npzoom(xf, (1 / 4, 1), order=0), np.float32)
yy, xx = np.mgrid[-8:9, -4:5]
psf = np.exp(-0.5 * (yy / 2.5) ** 2 - 0.5 * (xx / 1.2) ** 2).astype(np.float32)
save("psf", psf, np.float32)
save("fftconvolve_same", fftconvolve(xf, psf / psf.sum(), mode="same"), np.float32)
save("rescale_quarter", rescale(xf, 0.25, order=1), np.float32)
odd = np.ascontiguousarray(xf[:, :-3] / 255.0 + np.linspace(0, 0.3, 125)[None, :], dtype=np.float32)
save("odd_in", odd, np.float32)
save("rescale_odd_third", rescale(odd, 1 / 3, order=1), np.float32)
small = xf[::4, ::4][:20, :24].copy()
save("small", small, np.float32)
save("rescale_up4_order0", rescale(small, 4, order=0), np.float32)

# --- distributions -----------------------------------------------------------------------
pmf = {}
for lam in [0.5, 3.0, 9.99, 10.0, 27.5, 300.0, 1e5]:
    lo = int(max(0, np.floor(lam - 12 * np.sqrt(lam) - 5)))
    hi = int(np.ceil(lam + 12 * np.sqrt(lam) + 10))
    ks = np.arange(lo, hi + 1)
    pmf[repr(lam)] = {"lambda": lam, "k0": lo, "pmf": stats.poisson.pmf(ks, lam).tolist()}
index["poisson_pmf"] = pmf
index["normal_quantiles"] = stats.norm.ppf(np.linspace(0.01, 0.99, 99)).tolist()

with open(os.path.join(outdir, "index.json"), "w") as f:
    json.dump(index, f)
print(json.dumps({"ok": True, "n": len(index)}))
