// The one progress display of the CLI, fed by the library's progress callbacks (train's
// ProgressEvent, predictImage's onTile, crappify's onPlane): on a terminal a single bar line
// redrawn with \r; elsewhere (pipes, logs, CI) plain lines at most every `intervalMs`; with
// --quiet nothing. It writes to stderr so stdout stays the result (and --json stays parseable).

export interface ProgressOptions {
  quiet?: boolean;
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Override terminal detection (tests). */
  tty?: boolean;
  /** Least time between two plain lines (non-terminal); default 2000 ms, PSSR_PROGRESS_INTERVAL_MS. */
  intervalMs?: number;
}

export interface Progress {
  /** `done` of `total` units of `label` finished; `etaSeconds` when the caller knows better. */
  update(label: string, done: number, total: number, detail?: string, etaSeconds?: number): void;
  /** A message line (an epoch summary): printed above the bar; --quiet hides it too. */
  line(text: string): void;
  /** A passing status on a terminal only (replaced by the next bar or line; logs stay clean). */
  status(text: string): void;
  /** Clears the bar (call before printing the result). */
  end(): void;
}

/** "1:05", "12 s", "?" for an ETA in seconds. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const intervalMs = options.intervalMs ?? (Number(process.env.PSSR_PROGRESS_INTERVAL_MS) || 2000);
  let barShown = false;
  let lastDraw = -Infinity;
  // The first stage is timed from the display's creation (work began then), later ones from their first update.
  let current: { label: string; t0: number } | null = null;
  const created = performance.now();

  const clearBar = () => {
    if (barShown) stream.write("\r\x1b[K");
    barShown = false;
  };

  return {
    update(label, done, total, detail, etaSeconds) {
      if (options.quiet) return;
      const now = performance.now();
      if (!current || current.label !== label) current = { label, t0: current ? now : created };
      const finished = done >= total;
      // Redraw a bar ~10 times a second, a plain line every interval; always the first and the last.
      const first = lastDraw === -Infinity || done === 0;
      if (!first && !finished && now - lastDraw < (tty ? 100 : intervalMs)) return;
      lastDraw = now;
      const elapsedS = (now - current.t0) / 1000;
      const eta = etaSeconds ?? (done > 0 ? (elapsedS * (total - done)) / done : null);
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      const tail = `${done}/${total} ${pct}% ETA ${finished ? "0 s" : formatEta(eta)}${detail ? `  ${detail}` : ""}`;
      if (tty) {
        const width = 20;
        const filled = total > 0 ? Math.round((width * done) / total) : 0;
        let text = `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${tail}`;
        const cols = stream.columns ?? 0;
        if (cols > 10 && text.length >= cols) text = text.slice(0, cols - 1);
        stream.write(`\r${text}\x1b[K`);
        barShown = true;
      } else {
        stream.write(`${label}: ${tail}\n`);
      }
    },
    line(text) {
      if (options.quiet) return;
      clearBar();
      stream.write(`${text}\n`);
      // On a terminal the bar comes back with the next update.
      if (tty) lastDraw = -Infinity;
    },
    status(text) {
      if (options.quiet || !tty) return;
      stream.write(`\r${text}\x1b[K`);
      barShown = true;
    },
    end() {
      clearBar();
    },
  };
}
