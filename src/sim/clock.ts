/**
 * The simulated fleet's clock. It runs with real time (so the demo's exposure grows as you watch)
 * and can be pushed forward by tests and scenarios; advancing runs the backup jobs that fall due.
 */
export class SimClock {
  private skewMs = 0;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(private readonly realNow: () => number = Date.now) {}

  /** UTC milliseconds. */
  now(): number {
    return this.realNow() + this.skewMs;
  }

  advance(ms: number): void {
    this.skewMs += ms;
    this.tick();
  }

  /** Notifies listeners (the job scheduler) of the current time. */
  tick(): void {
    const now = this.now();
    for (const l of this.listeners) l(now);
  }

  onTick(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
