import { z } from 'zod';

export const logStreamSchema = z.enum(['stdout', 'stderr', 'system']);
export type LogStream = z.infer<typeof logStreamSchema>;

/** One line of a job's output as a reader sees it. */
export interface LogEntry {
  /** Redis stream id; pass it back as `from` to resume after this entry. */
  readonly id: string;
  readonly stream: LogStream;
  readonly line: string;
  /** Milliseconds since the epoch when the line was written (from the stream id). */
  readonly ts: number;
}

/** Compact stream field values, so a million lines cost little memory in Redis. */
export const STREAM_CODES: Record<LogStream, string> = { stdout: 'o', stderr: 'e', system: 's' };
export const STREAM_BY_CODE: Record<string, LogStream> = { o: 'stdout', e: 'stderr', s: 'system' };

/** Field names inside a log stream entry. */
export const LOG_FIELDS = { stream: 's', line: 'l', end: 'end' } as const;
