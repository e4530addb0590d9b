/**
 * A turn of the event loop now and then, for a loop that may never wait for
 * I/O: synchronous reads and writes, or an async scan whose records are
 * ready (they come as microtasks). Without one, timers, progress bars and
 * signal handlers (Ctrl-C) would wait for the whole loop.
 */

/** How long such a loop runs between turns (as a scan's forEach: format/reader.ts). */
const TURN_EVERY_MS = 50;

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves once the event loop has polled for I/O and signals. One
 * setImmediate is not enough: asked for from an I/O callback (where a module's
 * top level or a read's continuation runs), it comes in the same turn of the
 * loop, after its poll; a second one, asked for then, comes after the next poll.
 */
export async function turn(): Promise<void> {
  await immediate();
  await immediate();
}

export class EventLoopTurns {
  private last = performance.now();

  /** null most times; every TURN_EVERY_MS, a promise that resolves after a turn of the event loop (await it). */
  due(): Promise<void> | null {
    if (performance.now() - this.last < TURN_EVERY_MS) return null;
    return turn().then(() => {
      this.last = performance.now();
    });
  }
}
