/**
 * A budget of bytes shared by work running at once: each piece of work takes
 * its share before it starts and gives it back when done; a share that does
 * not fit waits, first come first served. A share larger than the whole
 * budget runs alone, once nothing else holds any, so no work waits forever
 * and the budget is exceeded only by that one piece.
 *
 * Shares are granted in the order they are asked for: work that holds a share
 * and then asks for another can wait on work asked for after it, which is
 * why a pipeline takes each of its budgets in one stage, in list order.
 */
export class ByteBudget {
  private used = 0;
  private holders = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(
    /** Bytes that may be held at once. */
    public limit: number,
  ) {}

  /**
   * Waits until `bytes` may be held; resolves with the function that gives
   * them back: all of them, or with `part`, that many now and the rest later
   * (a share that turned out larger than needed).
   */
  take(bytes: number): Promise<(part?: number) => void> {
    return new Promise((resolve) => {
      this.waiting.push({ bytes, start: () => resolve(this.hold(bytes)) });
      this.admit();
    });
  }

  private fits(bytes: number): boolean {
    return this.holders === 0 || this.used + bytes <= this.limit;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) this.waiting.shift()!.start();
  }

  private hold(bytes: number): (part?: number) => void {
    this.used += bytes;
    this.holders += 1;
    let held = bytes;
    let released = false;
    return (part?: number) => {
      if (released) return;
      const back = part === undefined ? held : Math.min(Math.max(0, part), held);
      held -= back;
      this.used -= back;
      if (part === undefined) {
        released = true;
        this.holders -= 1;
      }
      this.admit();
    };
  }
}
