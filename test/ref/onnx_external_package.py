# A BioImage Model Zoo package made by another tool than pssr-lab: a small conv net built with
# python3-onnx's helper API, its own rdf.yaml (format 0.5.7) with zero_mean_unit_variance
# preprocessing and scale_linear + clip postprocessing, an input image (TIFF) and the expected
# output computed here with numpy/scipy (zero-padded correlation, as ONNX Conv with pads).
# usage: onnx_external_package.py OUTDIR
import os, sys, json
import numpy as np, onnx, tifffile, yaml
from onnx import helper, TensorProto, numpy_helper
from scipy.signal import correlate2d

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
w1 = rng.normal(0, 0.4, (4, 1, 3, 3)).astype(np.float32)
b1 = rng.normal(0, 0.1, (4,)).astype(np.float32)
w2 = rng.normal(0, 0.4, (1, 4, 3, 3)).astype(np.float32)
b2 = np.array([0.05], np.float32)
nodes = [
    helper.make_node("Conv", ["raw", "w1", "b1"], ["h1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["h1"], ["h2"]),
    helper.make_node("Conv", ["h2", "w2", "b2"], ["restored"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
]
graph = helper.make_graph(
    nodes, "external_convnet",
    [helper.make_tensor_value_info("raw", TensorProto.FLOAT, [1, 1, "h", "w"])],
    [helper.make_tensor_value_info("restored", TensorProto.FLOAT, [1, 1, "h", "w"])],
    [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx-helper-test")
model.ir_version = 7
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(out, "convnet.onnx"))

rdf = {
    "format_version": "0.5.7", "type": "model", "name": "external two-layer convnet",
    "description": "a test network written with onnx.helper", "authors": [{"name": "test"}],
    "cite": [{"text": "none", "url": "https://onnx.ai"}], "license": "MIT",
    "documentation": "README.md",
    "inputs": [{"id": "raw", "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["c0"]},
        {"type": "space", "id": "y", "size": {"min": 16, "step": 8}}, {"type": "space", "id": "x", "size": {"min": 16, "step": 8}}],
        "preprocessing": [{"id": "zero_mean_unit_variance", "kwargs": {"axes": ["y", "x"], "eps": 1e-6}}]}],
    "outputs": [{"id": "restored", "axes": [{"type": "batch"}, {"type": "channel", "channel_names": ["c0"]},
        {"type": "space", "id": "y", "size": {"tensor_id": "raw", "axis_id": "y"}, "halo": 4},
        {"type": "space", "id": "x", "size": {"tensor_id": "raw", "axis_id": "x"}, "halo": 4}],
        "postprocessing": [{"id": "scale_linear", "kwargs": {"gain": 2.0, "offset": 1.0}}, {"id": "clip", "kwargs": {"min": 0.0, "max": 2.5}}]}],
    "weights": {"onnx": {"source": "convnet.onnx", "opset_version": 13}},
}
with open(os.path.join(out, "rdf.yaml"), "w") as f:
    yaml.safe_dump(rdf, f, sort_keys=False)
with open(os.path.join(out, "README.md"), "w") as f:
    f.write("# external convnet\n")

# Input: a smooth field plus noise, 70x53 (not a multiple of the step: the runner pads).
yy, xx = np.mgrid[0:70, 0:53]
img = (100 + 40 * np.sin(xx * 0.3) * np.cos(yy * 0.2) + rng.normal(0, 5, (70, 53))).astype(np.float32)
tifffile.imwrite(os.path.join(out, "input.tif"), img)
x = (img - img.mean()) / (img.std() + 1e-6)
# Valid sizes are 16 + 8k: a runner pads 70x53 to 72x56; pssr-lab reflects at the end
# (numpy's 'reflect', as its predict pads to the input multiple) and crops the output back.
x = np.pad(x, ((0, 2), (0, 3)), mode="reflect")
h = np.stack([correlate2d(x, w1[o, 0], mode="same", boundary="fill") + b1[o] for o in range(4)])
h = np.maximum(h, 0)
y = sum(correlate2d(h[i], w2[0, i], mode="same", boundary="fill") for i in range(4)) + b2[0]
y = np.clip(y * 2.0 + 1.0, 0.0, 2.5).astype(np.float32)[:70, :53]
np.save(os.path.join(out, "expected.npy"), y)
print(json.dumps({"shape": list(y.shape), "min": float(y.min()), "max": float(y.max())}))
