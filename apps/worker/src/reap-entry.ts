/** What a worker leaves in `<prefix>:running:<host>` per running job, for reaping after a crash. */
export interface ReapEntry {
  /** Null while the job's workspace is being prepared (no command process yet). */
  readonly pgid: number | null;
  readonly pid: number | null;
  readonly workerId: string;
  /** The leader's start time (clock ticks since boot); null when it could not be read. */
  readonly procStartTime: number | null;
}

export function parseReapEntry(text: string): ReapEntry | undefined {
  try {
    const value = JSON.parse(text) as ReapEntry;
    return typeof value.workerId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
