/**
 * A budget of bytes shared by work running at once: each piece of work takes
 * its share before it starts and gives it back when done; a share that does
 * not fit waits, first come first served. A share larger than the whole
 * budget runs alone, once nothing else holds any, so no work waits forever
 * and the budget is exceeded only by that one piece.
 */
export class ByteBudget {
  private used = 0;
  private holders = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(
    /** Bytes that may be held at once. */
    public limit: number,
  ) {}

  /** Waits until `bytes` may be held; resolves with the function that gives them back. */
  take(bytes: number): Promise<() => void> {
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

  private hold(bytes: number): () => void {
    this.used += bytes;
    this.holders += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.holders -= 1;
      this.admit();
    };
  }
}
