"""Reference reliability measures, written independently of src/metrics/uncertainty.ts.

- jsd: CARE's ensemble disagreement of Laplace members (mu_k, b_k) in bits, as the mean over
  members of KL(p_k || m), m the uniform mixture, each KL integrated with scipy.integrate.quad
  (KL form, not the entropy form the TypeScript uses) over x in [min mu - 60 max b,
  max mu + 60 max b] split at every member's mean (the kinks), on pieces a few scales wide.
- rank: scipy.stats.spearmanr and the ROC AUC of flagging the worst fraction as
  scipy.stats.mannwhitneyu's U / (n_pos * n_neg); block means by numpy reshape.
- laplace_interval: scipy.stats.laplace.interval.

Usage (JSON on stdin, JSON on stdout):
  uncertainty_ref.py jsd        {"cases": [{"mu": [...], "b": [...]}, ...]}  -> {"bits": [...]}
  uncertainty_ref.py rank       {"map": [...], "pred": [...], "truth": [...], "h": H, "w": W,
                                 "block": 8, "fraction": 0.1}             -> {"spearman", "auc", "blocks"}
  uncertainty_ref.py interval   {"p": [...]}                              -> {"half": [...]} (b = 1)
  uncertainty_ref.py exec CODE  runs CODE (stdin left for it)
"""
import json
import sys

import numpy as np
from scipy import integrate, stats


def laplace_pdf(x, mu, b):
    return np.exp(-np.abs(x - mu) / b) / (2 * b)


def jsd_bits(mu, b):
    mu = np.asarray(mu, float)
    b = np.asarray(b, float)
    k = len(mu)

    def mix(x):
        return np.mean([laplace_pdf(x, mu[j], b[j]) for j in range(k)])

    lo = mu.min() - 60 * b.max()
    hi = mu.max() + 60 * b.max()
    # Breakpoints: every mean, plus pieces of width min(b) / 2 around each mean out to 8 scales,
    # so quad never straddles a kink and sees each peak's shape.
    pts = set([lo, hi])
    for m_, b_ in zip(mu, b):
        for t in np.arange(-8, 8.01, 0.5):
            pts.add(float(np.clip(m_ + t * b_, lo, hi)))
    pts = sorted(pts)
    total = 0.0
    for j in range(k):
        def integrand(x, j=j):
            p = laplace_pdf(x, mu[j], b[j])
            if p <= 0:
                return 0.0
            return p * np.log2(p / mix(x))

        for a, c in zip(pts[:-1], pts[1:]):
            if c > a:
                v, _ = integrate.quad(integrand, a, c, epsabs=1e-13, epsrel=1e-11, limit=200)
                total += v
    return total / k


def main():
    mode = sys.argv[1]
    if mode == "exec":
        # A short check written in the test itself (e.g. parsing an SVG with ElementTree).
        exec(sys.argv[2], {})
        return
    req = json.load(sys.stdin)
    if mode == "jsd":
        print(json.dumps({"bits": [jsd_bits(c["mu"], c["b"]) for c in req["cases"]]}))
    elif mode == "rank":
        h, w, m = req["h"], req["w"], req["block"]
        hh, ww = (h // m) * m, (w // m) * m

        def blocks(v):
            a = np.asarray(v, float).reshape(h, w)[:hh, :ww]
            return a.reshape(hh // m, m, ww // m, m).mean(axis=(1, 3)).ravel()

        err = blocks(np.abs(np.asarray(req["pred"], float) - np.asarray(req["truth"], float)))
        score = blocks(req["map"])
        rho = stats.spearmanr(score, err).correlation
        n_pos = int(np.ceil(req["fraction"] * len(err)))
        cut = np.sort(err)[len(err) - n_pos]
        pos = err >= cut
        u = stats.mannwhitneyu(score[pos], score[~pos], alternative="two-sided").statistic
        auc = u / (pos.sum() * (~pos).sum())
        print(json.dumps({"spearman": float(rho), "auc": float(auc), "blocks": int(len(err))}))
    elif mode == "interval":
        print(json.dumps({"half": [float(stats.laplace.interval(p, loc=0, scale=1)[1]) for p in req["p"]]}))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
