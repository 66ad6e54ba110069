// Gradients tfjs-core does not define for ops our models use.
//
// - All of tfjs-core's own gradients: its Node entry point does not register them (only its
//   ESM index, through tfjs-layers or the tfjs union package, does); tfjs-layers' Node bundle
//   registers them into the global registry as a side effect, so we import it for that.
// - DepthToSpace (pixel shuffle): its gradient is space-to-depth of dy, which tfjs has no op
//   for; we write it with reshape + transpose, which every backend has.
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs-core";
import type { Tf } from "./tf.js";
import "@tensorflow/tfjs-layers";

/** space-to-depth, NHWC, TensorFlow's channel order (the inverse of tf.depthToSpace). */
export function spaceToDepth(tf: Tf, x: Tensor, blockSize: number): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (h % blockSize !== 0 || w % blockSize !== 0) {
    throw new Error(`spaceToDepth: height ${h} and width ${w} must be multiples of ${blockSize}`);
  }
  const b = blockSize;
  if (tf.getKernel("PssrSpaceToDepth", tf.getBackend())) {
    return tf.engine().runKernel("PssrSpaceToDepth", { x }, { blockSize, dataFormat: "NHWC" }) as Tensor;
  }
  return tf.tidy(() => {
    const r = tf.reshape(x, [n, h / b, b, w / b, b, c]);
    const t = tf.transpose(r, [0, 1, 3, 2, 4, 5]);
    return tf.reshape(t, [n, h / b, w / b, b * b * c]);
  });
}

let done = false;

/** Registers the missing gradients (once per process; the gradient registry is global). */
export function registerMissingGradients(tf: Tf): void {
  if (done) return;
  done = true;
  if (!tf.getGradient("DepthToSpace")) {
    const config: GradConfig = {
      kernelName: "DepthToSpace",
      gradFunc: (dy: Tensor | Tensor[], _saved: Tensor[], attrs: NamedAttrMap) => {
        const { blockSize, dataFormat } = attrs as unknown as { blockSize: number; dataFormat: string };
        if (dataFormat && dataFormat !== "NHWC") throw new Error("DepthToSpace gradient supports NHWC only");
        return { x: () => spaceToDepth(tf, dy as Tensor, blockSize) };
      },
    };
    tf.registerGradient(config);
  }
}
