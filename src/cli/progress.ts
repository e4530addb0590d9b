/**
 * Progress for long runs: a bar with rate and ETA on a terminal (cli-progress),
 * a plain line every few seconds when stderr is a file or a pipe (CI logs),
 * nothing with --quiet. Messages printed meanwhile go above the bar.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  /** A line for the user (a skipped image, say), printed without breaking the bar. */
  log(text: string): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5000;

export interface ProgressOptions {
  quiet: boolean;
  stream?: NodeJS.WriteStream;
  /** What update() counts: images (default), or bytes, shown in MB. */
  unit?: 'images' | 'bytes';
}

export function createProgress(label: string, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit === 'bytes' ? 'MB' : 'images';
  const shown = (n: number) => (options.unit === 'bytes' ? Math.round(n / 1e6) : n);
  if (options.quiet) return { update() {}, log: (text) => stream.write(`${text}\n`), stop() {} };
  const started = Date.now();
  if (!stream.isTTY) {
    let last = started;
    let printed = false;
    return {
      update(done, total) {
        const now = Date.now();
        // A run short enough to print nothing on the way does not print its end either.
        if (now - last < PLAIN_EVERY_MS && (done < total || !printed)) return;
        last = now;
        printed = true;
        const rate = shown(done) / Math.max((now - started) / 1000, 1e-3);
        stream.write(`${label}: ${shown(done)}/${shown(total)} ${unit}, ${rate.toFixed(0)} ${unit}/s\n`);
      },
      log: (text) => stream.write(`${text}\n`),
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit === 'MB' ? 'MB ' : ''}| {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  // Made at the first update that knows the total: a bar of 0/0 would show 100% until then.
  let bar: cliProgress.SingleBar | null = null;
  let drawn = started;
  return {
    update(done, total) {
      if (!bar) {
        if (total <= 0) return;
        bar = bars.create(shown(total), 0, { rate: '0' });
      }
      const now = Date.now();
      const rate = shown(done) / Math.max((now - started) / 1000, 1e-3);
      bar.setTotal(shown(total));
      bar.update(shown(done), { rate: rate.toFixed(0) });
      // MultiBar redraws on a timer, which a synchronous loop (rec merge, split...) never lets run.
      if (now - drawn >= 200) {
        drawn = now;
        bars.update();
      }
    },
    log: (text) => bars.log(`${text}\n`),
    stop: () => {
      bars.update(); // a last redraw prints messages still waiting for one (stop() would drop them)
      bars.stop();
    },
  };
}

/** Runs `work` with byte progress shown (unless quiet), stopped however the work ends. */
export async function withByteProgress<T>(label: string, quiet: boolean | undefined, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const progress = createProgress(label, { quiet: quiet ?? false, unit: 'bytes' });
  try {
    return await work((done, total) => progress.update(done, total));
  } finally {
    progress.stop();
  }
}
