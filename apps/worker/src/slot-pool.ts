/**
 * One concurrency for all of a worker's BullMQ workers (its queue's and its host queue's): a job
 * runs only once it took a slot, and the pool says when it is full so the BullMQ workers stop
 * fetching. Taking is synchronous, so no interleaving of the two workers can run more than the limit.
 */
export class SlotPool {
  private used = 0;

  /** `onChange` is called whenever `full` may have changed. */
  constructor(
    private limit: number,
    private readonly onChange: () => void,
  ) {}

  /** True when every slot is taken: the BullMQ workers should not fetch. */
  get full(): boolean {
    return this.used >= this.limit;
  }

  /** Takes a slot; false when there is none (the job must be handed back). */
  take(): boolean {
    if (this.full) return false;
    this.used += 1;
    if (this.full) this.onChange();
    return true;
  }

  give(): void {
    this.used -= 1;
    this.onChange();
  }

  /** A new concurrency (control message): jobs beyond a lowered limit end on their own. */
  setLimit(limit: number): void {
    this.limit = limit;
    this.onChange();
  }
}
