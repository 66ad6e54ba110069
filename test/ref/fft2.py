"""Reference for image/fft.ts: numpy.fft.fft2 of an n x n complex array.

stdin: JSON {"n": n, "re": [...], "im": [...]} (C order); stdout: JSON {"re": [...], "im": [...]}.
"""
import json
import sys

import numpy as np

job = json.load(sys.stdin)
n = job["n"]
z = (np.asarray(job["re"]) + 1j * np.asarray(job["im"])).reshape(n, n)
f = np.fft.fft2(z).ravel()
print(json.dumps({"re": f.real.tolist(), "im": f.imag.tolist()}))
