// Child process of the fuzz harness: reads the files it is sent, one at a time, and answers
// what came out (a valid image, a PssrError, or anything else) with its peak RSS so far.
import { readImage } from "../../src/io/read.js";
import { numel } from "../../src/image/image.js";
import { PssrError } from "../../src/errors.js";

export interface WorkerReply {
  i: number;
  outcome: "image" | "error" | "internal";
  detail: string;
  maxRssKb: number;
}

process.on("message", async (msg: { i: number; file: string }) => {
  let outcome: WorkerReply["outcome"];
  let detail: string;
  try {
    const img = await readImage(msg.file, { onWarning: () => undefined });
    const valid =
      img.axes.length === img.shape.length &&
      img.axes.endsWith("YX") &&
      img.shape.every((s) => Number.isInteger(s) && s > 0) &&
      numel(img.shape) === img.data.length;
    outcome = valid ? "image" : "internal";
    detail = `${img.shape.join("x")} ${img.axes} ${img.dtype}${valid ? "" : " (inconsistent shape/data)"}`;
  } catch (e) {
    if (e instanceof PssrError) {
      const oneLine = !e.message.includes("\n") && e.message.startsWith(msg.file);
      outcome = oneLine ? "error" : "internal";
      detail = `${e.code}: ${e.message.slice(msg.file.length + 2, msg.file.length + 200)}${oneLine ? "" : " (not one line naming the file)"}`;
    } else {
      outcome = "internal";
      detail = `${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
    }
  }
  const reply: WorkerReply = { i: msg.i, outcome, detail, maxRssKb: process.resourceUsage().maxRSS };
  process.send!(reply);
});
process.send!({ ready: true });
