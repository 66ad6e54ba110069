// TrainingMonitor: live loss, learning rate and validation PSNR/SSIM (model against bilinear)
// curves, the current prediction on a fixed validation patch, and a stop button (view:
// widgets/src/training-monitor.ts). Feed it the training loop's progress events:
//
//   const monitor = new TrainingMonitor();  monitor.display();
//   await train({ ..., onProgress: monitor.progress, signal: monitor.signal });
//
// train()'s events ({type: "start" | "step" | "epoch"}) and a generic
// {epoch, step, loss, lr, valPsnr, valSsim, bilinearPsnr, bilinearSsim, preview} are both
// accepted. State goes to the front end at most every `sendIntervalMs` (epochs at once).
// The stop button aborts `monitor.signal` and calls the onStop callbacks; the loop ends cleanly.
import type { Image, Plane } from "../image/image.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, display, type DisplayHandle, type MimeBundle } from "../kernel/display.js";
import { asPlane, levelFactor, planeState, pyramidCrop, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type MonitorState } from "./protocol.js";

export type { MonitorState } from "./protocol.js";

const DEFAULTS = DEFAULT_STATES.TrainingMonitor;

/** The generic event: any field may be missing. */
export interface MonitorEvent {
  epoch?: number;
  step?: number;
  loss?: number;
  lr?: number;
  valPsnr?: number;
  valSsim?: number;
  bilinearPsnr?: number;
  bilinearSsim?: number;
  preview?: Plane | Image;
  status?: string;
}

export interface TrainingMonitorOptions {
  title?: string;
  /** Minimum time between state messages. Default 200 ms. */
  sendIntervalMs?: number;
}

type Series = "steps" | "loss" | "lr" | "val_epochs" | "val_psnr" | "val_ssim" | "bilinear_psnr" | "bilinear_ssim";

export class TrainingMonitor extends Widget<MonitorState> {
  private readonly controller = new AbortController();
  private readonly stopHandlers: (() => void)[] = [];
  private readonly data: Record<Series, number[]> = { steps: [], loss: [], lr: [], val_epochs: [], val_psnr: [], val_ssim: [], bilinear_psnr: [], bilinear_ssim: [] };
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSend = 0;
  private stepsPerEpoch = 0;
  private readonly intervalMs: number;
  private pendingStatus: string | null = null;
  private readonly shown: DisplayHandle[] = [];

  constructor(options: TrainingMonitorOptions = {}) {
    // A fresh copy of the protocol's initial state: empty curves, no preview, running, not stopped.
    super(widgetSpec("TrainingMonitor"), { ...structuredClone(DEFAULTS), title: options.title ?? DEFAULTS.title });
    this.intervalMs = options.sendIntervalMs ?? 200;
    this.on("change:stop_requested", (v) => {
      if (v) this.stop();
    });
  }

  /** Aborted when the user presses stop (or `stop()` is called): pass it to train(). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Called once when training is asked to stop. */
  onStop(handler: () => void): this {
    this.stopHandlers.push(handler);
    if (this.controller.signal.aborted) handler();
    return this;
  }

  /** Asks training to stop. */
  stop(): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    for (const h of this.stopHandlers) h();
    this.set({ stop_requested: true, status: "stop requested: finishing the current step" });
  }

  /** `update` bound to this monitor, to pass as train()'s onProgress. */
  readonly progress = (e: unknown): void => this.update(e);

  /** Records one progress event (train()'s, or the generic MonitorEvent). */
  update(event: unknown): void {
    const e = event as Record<string, any>;
    if (e.type === "start") {
      this.stepsPerEpoch = e.stepsPerEpoch;
      this.pendingStatus = `training ${e.parameters} parameters for ${e.epochs} epochs x ${e.stepsPerEpoch} steps on ${e.backend}`;
    } else if (e.type === "step") {
      this.stepsPerEpoch = e.steps;
      this.push(e.globalStep ?? (e.epoch - 1) * e.steps + e.step, e.loss, e.learningRate); // globalStep: budget runs re-plan steps per epoch
      this.pendingStatus = `epoch ${e.epoch}/${e.epochs}, step ${e.step}/${e.steps}, loss ${fmt(e.loss)}, ${fmt(e.samplesPerSecond)} samples/s, ETA ${Math.round(e.etaSeconds)} s`;
    } else if (e.type === "epoch") {
      const v = e.validation;
      this.pushValidation(e.epoch, v.psnr, v.ssim, v.bilinearPsnr, v.bilinearSsim);
      this.pendingStatus = `epoch ${e.epoch}/${e.epochs} done: val PSNR ${fmt(v.psnr)} dB (bilinear ${fmt(v.bilinearPsnr)}), SSIM ${fmt(v.ssim)} (bilinear ${fmt(v.bilinearSsim)})${e.best ? ", best so far" : ""}`;
      this.flush();
    } else {
      const g = e as MonitorEvent;
      if (g.loss !== undefined) this.push(g.step ?? this.data.steps.length + 1, g.loss, g.lr ?? NaN);
      if (g.valPsnr !== undefined || g.valSsim !== undefined) {
        this.pushValidation(g.epoch ?? this.data.val_epochs.length + 1, g.valPsnr ?? NaN, g.valSsim ?? NaN, g.bilinearPsnr ?? NaN, g.bilinearSsim ?? NaN);
      }
      if (g.status) this.pendingStatus = g.status;
      else if (g.loss !== undefined) this.pendingStatus = `epoch ${g.epoch ?? "?"}, step ${g.step ?? "?"}, loss ${fmt(g.loss)}`;
      if (g.preview) this.setPreview(g.preview);
    }
    this.schedule();
  }

  /** Shows the current prediction on the fixed validation patch. */
  setPreview(image: Plane | Image): void {
    const p = asPlane(image, "the preview");
    const f = levelFactor(p.height, p.width, 512);
    this.set({ preview: planeState(f > 1 ? pyramidCrop(p, f) : p) });
  }

  /** Shows the monitor below the current cell, under a display id that finish() updates. */
  override display(): DisplayHandle {
    const handle = display(this, { displayId: true });
    this.shown.push(handle);
    return handle;
  }

  /**
   * Marks the run as over and sends everything. Outputs shown with display() are re-sent, so a
   * saved notebook's static copy (PNG and text) is the finished run, not its empty start.
   */
  finish(summary?: string): void {
    this.flush();
    this.set({ running: false, status: summary ?? (this.controller.signal.aborted ? "stopped by the user" : "finished") });
    for (const h of this.shown) h.update(this);
  }

  private push(step: number, loss: number, lr: number): void {
    this.data.steps.push(step);
    this.data.loss.push(loss);
    this.data.lr.push(lr);
    this.dirty = true;
  }

  private pushValidation(epoch: number, psnr: number, ssim: number, bPsnr: number, bSsim: number): void {
    this.data.val_epochs.push(epoch);
    this.data.val_psnr.push(psnr);
    this.data.val_ssim.push(ssim);
    this.data.bilinear_psnr.push(bPsnr);
    this.data.bilinear_ssim.push(bSsim);
    this.dirty = true;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.intervalMs - (performance.now() - this.lastSend));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends the accumulated curves and status now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastSend = performance.now();
    const patch: Partial<MonitorState> = {};
    if (this.dirty) {
      for (const k of Object.keys(this.data) as Series[]) patch[k] = this.data[k].map((v) => (Number.isFinite(v) ? v : (null as unknown as number)));
      this.dirty = false;
    }
    if (this.pendingStatus !== null && !this.get("stop_requested")) patch.status = this.pendingStatus;
    this.pendingStatus = null;
    if (Object.keys(patch).length) this.set(patch);
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    const preview = this.get("preview");
    return withStaticFallback(super[DISPLAY_SYMBOL](), `TrainingMonitor ${this.get("title")}: ${this.get("status")}`, preview ? [preview] : []);
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3)) : String(v);
}
