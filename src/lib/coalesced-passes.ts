/**
 * @module lib/coalesced-passes
 * Background work that brings something in line with stored state (say,
 * database indexes with their declarations): one pass at a time, and any
 * number of requests made while one runs coalesce into one more pass, which
 * reads the state afresh.
 */
export class CoalescedPasses {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private isActive = false;
  private isStopped = false;

  /** `pass` reads what to do when it starts; `onError` hears a pass that failed (the next request runs a new one). */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** True while a pass runs or is queued. */
  get active(): boolean {
    return this.isActive;
  }

  /** True once `stop` was called: a pass should end at its next step. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Asks for a pass after the current one (or now); returns at once. */
  schedule(): void {
    if (this.isStopped) return;
    this.pending = true;
    if (!this.isActive) this.running = this.drain();
  }

  /** Resolves when no pass is queued or running. */
  async settled(): Promise<void> {
    while (this.isActive) await this.running;
  }

  /** No new pass starts; resolves when the current one has ended. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    this.isActive = true;
    try {
      while (this.pending && !this.isStopped) {
        this.pending = false;
        await this.pass().catch((error: Error) => {
          if (!this.isStopped) this.onError(error);
        });
      }
    } finally {
      this.isActive = false;
    }
  }
}
