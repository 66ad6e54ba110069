// Per-kernel time of one training step of the `small` resunet-lr (x4, batch 4 of 32x32) on the
// selected backend: which kernels dominate. Run: npm run build && node dist/bench/profile-step.js [--reps 5] [--top 40]
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/index.js";
import { buildModel } from "../src/model/index.js";
import { computeLoss } from "../src/train/losses.js";
import { createAdam } from "../src/train/optimizer.js";
import { benchOptions } from "./common.js";

const { reps, top } = benchOptions({ reps: 5, top: 40 });

const { tf } = await selectBackend();
const model = buildModel({ preset: "small", arch: "resunet-lr", scale: 4 }, 0);
const vars = model.trainableVariables();
const optimizer = createAdam(tf, { learningRate: 1e-4 });
const x = tf.randomUniform([4, 32, 32, 1]) as Tensor4D;
const y = tf.randomUniform([4, 128, 128, 1]) as Tensor4D;
const step = () => {
  const cost = optimizer.step(() => computeLoss("mse", model.apply(x), y, tf), vars);
  cost.dataSync();
  cost.dispose();
};
for (let i = 0; i < 3; i++) step();
// Per-kernel CPU time (process.cpuUsage: robust on a shared machine, unlike wall time).
const byKernel = new Map<string, { ms: number; n: number }>();
const byShape = new Map<string, { ms: number; n: number }>();
let recording = false;
for (const config of tf.getKernelsForBackend(tf.getBackend())) {
  const original = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      if (!recording) return original(args);
      const t0 = process.cpuUsage();
      const out = original(args);
      const d = process.cpuUsage(t0);
      const ms = (d.user + d.system) / 1000;
      const name = config.kernelName;
      const e = byKernel.get(name) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n++;
      byKernel.set(name, e);
      const shapes = Object.values(args.inputs).map((t) => `[${(t as { shape: number[] })?.shape ?? ""}]`).join(" ");
      const key = `${name} ${shapes}`;
      const s = byShape.get(key) ?? { ms: 0, n: 0 };
      s.ms += ms;
      s.n++;
      byShape.set(key, s);
      return out;
    },
  });
}
let cpuAll = 0;
recording = true;
for (let r = 0; r < reps; r++) {
  const t0 = process.cpuUsage();
  step();
  const d = process.cpuUsage(t0);
  cpuAll += (d.user + d.system) / 1000;
}
recording = false;
const sum = [...byKernel.values()].reduce((a, b) => a + b.ms, 0) / reps;
console.log(`step cpu ${(cpuAll / reps).toFixed(1)} ms, sum of kernel cpu ${sum.toFixed(1)} ms`);
for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`${(v.ms / reps).toFixed(2).padStart(8)} ms  ${String(v.n / reps).padStart(4)}x  ${k}`);
console.log("--- by shape");
for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(`${(v.ms / reps).toFixed(2).padStart(8)} ms  ${String(v.n / reps).padStart(4)}x  ${k}`);
