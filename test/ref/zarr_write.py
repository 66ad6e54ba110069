"""Independent zarr v2 writer (numpy + zlib): raw float32 C-order IN of SHAPE -> OME-Zarr
(NGFF 0.4) group OUT with level "0" stored as DTYPE, chunks CHUNKS, zlib-compressed,
dimension_separator "." (the zarr v2 default; our writer uses "/", so the reader sees both).
usage: zarr_write.py IN OUT SHAPE(comma) CHUNKS(comma) DTYPE AXES(e.g. zyx)
"""
import itertools
import json
import os
import sys
import zlib

import numpy as np

src, out, shape, chunks, dtype, axes = sys.argv[1:7]
shape = [int(v) for v in shape.split(",")]
chunks = [int(v) for v in chunks.split(",")]
dt = np.dtype(dtype).newbyteorder("<")
a = np.fromfile(src, dtype="<f4").reshape(shape).astype(dt)
os.makedirs(os.path.join(out, "0"), exist_ok=True)
with open(os.path.join(out, ".zgroup"), "w") as f:
    json.dump({"zarr_format": 2}, f)
kinds = {"t": "time", "c": "channel"}
with open(os.path.join(out, ".zattrs"), "w") as f:
    json.dump({"multiscales": [{"version": "0.4", "axes": [{"name": n, "type": kinds.get(n, "space")} for n in axes],
               "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0] * (len(shape) - 2) + [8.0, 8.0]}]}]}]}, f)
with open(os.path.join(out, "0", ".zarray"), "w") as f:
    json.dump({"zarr_format": 2, "shape": shape, "chunks": chunks, "dtype": dt.str, "compressor": {"id": "zlib", "level": 5},
               "fill_value": 0, "order": "C", "filters": None}, f)
grid = [-(-s // c) for s, c in zip(shape, chunks)]
for idx in itertools.product(*[range(g) for g in grid]):
    block = np.zeros(chunks, dtype=dt)
    sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))
    block[tuple(slice(0, s.stop - s.start) for s in sl)] = a[sl]
    with open(os.path.join(out, "0", ".".join(str(i) for i in idx)), "wb") as f:
        f.write(zlib.compress(block.tobytes(), 5))
