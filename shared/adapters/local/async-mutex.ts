/**
 * A FIFO async mutex: callers of `runExclusive` run one at a time, in arrival order.
 * The SQLite state store uses it so concurrent in-process transactions queue instead of conflicting.
 */

/** A first-in, first-out async mutex. */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Run `fn` once every earlier caller has finished; its result (or error) is passed through. */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.waiting += 1;
    try {
      await previous;
      return await fn();
    } finally {
      this.waiting -= 1;
      release();
    }
  }

  /** Whether someone holds or waits for the lock. */
  get locked(): boolean {
    return this.waiting > 0;
  }
}
