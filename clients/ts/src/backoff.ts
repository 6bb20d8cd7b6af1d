/**
 * Jittered exponential backoff for reconnects (the same rule as the Python SDK's `Backoff`): delay n is drawn
 * uniformly from [d/2, d] with d = min(cap, base * factor^n), so the viewers of a gateway that just restarted
 * do not all come back in the same instant, yet never immediately.
 */
export interface BackoffOptions {
  /** first ceiling, in milliseconds (default 250) */
  baseMs?: number;
  factor?: number;
  /** largest ceiling, in milliseconds (default 10 000) */
  capMs?: number;
  /** the random source, [0, 1) (default Math.random) */
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly factor: number;
  readonly capMs: number;
  attempt = 0;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.factor = options.factor ?? 2;
    this.capMs = options.capMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * this.factor ** this.attempt);
  }

  /** The next delay in milliseconds; each call backs off further. */
  next(): number {
    const d = this.ceiling();
    this.attempt += 1;
    return d / 2 + (this.random() * d) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}
