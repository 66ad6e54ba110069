"""Independent zarr v2 reader (numpy + zlib only; Debian has no python3-zarr installed here).

Reads level 0 of an OME-Zarr (NGFF 0.4) group, or a bare zarr v2 array, by the zarr v2 spec:
.zarray (shape, chunks, dtype, order C, compressor null or zlib, fill_value,
dimension_separator "." or "/"), one file per chunk, edge chunks stored full size, missing
chunks = fill_value. Writes the array as raw float32 (C order) to OUT and prints JSON
{shape, dtype, chunks, axes, scale, chunk_files, attrs}.
usage: zarr_read.py PATH OUT
"""
import itertools
import json
import os
import sys
import zlib

import numpy as np


def main():
    path, out = sys.argv[1], sys.argv[2]
    axes, scale, attrs = None, None, {}
    arr_path = path
    if os.path.exists(os.path.join(path, ".zgroup")):
        with open(os.path.join(path, ".zattrs")) as f:
            attrs = json.load(f)
        ms = attrs["multiscales"][0]
        assert ms["version"] == "0.4", ms["version"]
        axes = [a["name"] for a in ms["axes"]]
        ds = ms["datasets"][0]
        scale = [t for t in ds["coordinateTransformations"] if t["type"] == "scale"][0]["scale"]
        arr_path = os.path.join(path, ds["path"])
    with open(os.path.join(arr_path, ".zarray")) as f:
        meta = json.load(f)
    assert meta["zarr_format"] == 2
    assert meta["order"] == "C"
    assert not meta.get("filters")
    shape, chunks = meta["shape"], meta["chunks"]
    dtype = np.dtype(meta["dtype"])
    comp = meta["compressor"]
    assert comp is None or comp["id"] == "zlib", comp
    sep = meta.get("dimension_separator", ".")
    fill = meta["fill_value"] if meta["fill_value"] is not None else 0
    a = np.full(shape, fill, dtype=dtype)
    grid = [-(-s // c) for s, c in zip(shape, chunks)]
    n_files = 0
    for idx in itertools.product(*[range(g) for g in grid]):
        fp = os.path.join(arr_path, sep.join(str(i) for i in idx)) if sep == "/" else os.path.join(arr_path, ".".join(str(i) for i in idx))
        if not os.path.exists(fp):
            continue
        n_files += 1
        with open(fp, "rb") as f:
            raw = f.read()
        if comp is not None:
            raw = zlib.decompress(raw)
        block = np.frombuffer(raw, dtype=dtype).reshape(chunks)
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))
        a[sl] = block[tuple(slice(0, s.stop - s.start) for s in sl)]
    a.astype("<f4").tofile(out)
    print(json.dumps({"shape": shape, "dtype": dtype.str, "chunks": chunks, "axes": axes, "scale": scale, "chunk_files": n_files, "attrs": attrs}))


main()
