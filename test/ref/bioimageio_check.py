# Judges a BioImage Model Zoo package with the real references: the model description against
# the spec's JSON Schema (python3-jsonschema, model v0.5 branch as ../shared/reference/README.md
# says), the ONNX weights with onnx.checker (full check: types and shapes inferred), and every
# file's sha256. Prints one JSON line: {"errors": [...], "onnx_ok", "opset", "files": {...}}.
import hashlib, json, sys, tempfile, zipfile, os
import yaml, jsonschema, onnx
import numpy as np

package, schema_path = sys.argv[1], sys.argv[2]
out = {"errors": [], "onnx_ok": False}
with tempfile.TemporaryDirectory() as tmp:
    if os.path.isdir(package):
        root = package
    else:
        zipfile.ZipFile(package).extractall(tmp)
        root = tmp
    name = "rdf.yaml" if os.path.exists(os.path.join(root, "rdf.yaml")) else "bioimageio.yaml"
    with open(os.path.join(root, name)) as f:
        rdf = yaml.safe_load(f)
    schema = json.load(open(schema_path))
    model_schema = {"$defs": schema["$defs"], **schema["$defs"]["bioimageio__spec__model__v0_5__ModelDescr"]}
    validator = jsonschema.Draft202012Validator(model_schema)
    out["errors"] = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(rdf)]
    files = {}
    def check(desc, where):
        if not desc:
            return
        path = os.path.join(root, desc["source"])
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        files[desc["source"]] = digest == desc.get("sha256")
        if digest != desc.get("sha256"):
            out["errors"].append(f"{where}: sha256 mismatch for {desc['source']}")
    tensors = {}
    for t in rdf["inputs"] + rdf["outputs"]:
        check(t.get("test_tensor"), t["id"])
        # numpy itself reads the test tensors: shape and dtype as the description says.
        a = np.load(os.path.join(root, t["test_tensor"]["source"]))
        tensors[t["id"]] = {"shape": list(a.shape), "dtype": str(a.dtype), "finite": bool(np.isfinite(a).all())}
    out["tensors"] = tensors
    for k, w in rdf["weights"].items():
        if w:
            check(w, f"weights/{k}")
    onnx_desc = rdf["weights"].get("onnx")
    if onnx_desc:
        model = onnx.load(os.path.join(root, onnx_desc["source"]))
        onnx.checker.check_model(model, full_check=True)
        out["onnx_ok"] = True
        out["opset"] = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0]
        out["opset_declared"] = onnx_desc["opset_version"]
        out["ops"] = sorted({n.op_type for n in model.graph.node})
    for d in [os.path.join(root, c) for c in rdf.get("covers", [])] + [os.path.join(root, rdf.get("documentation") or "")]:
        if not os.path.isfile(d):
            out["errors"].append(f"missing file {d}")
    out["files"] = files
print(json.dumps(out))
