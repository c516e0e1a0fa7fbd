import { z } from 'zod';

/** Every state a job can be in; the last seven are terminal. */
export const JOB_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed-out',
  'memory-limit',
  'spawn-failed',
  'worker-lost',
] as const;

export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(
  JOB_STATES.filter((s) => s !== 'queued' && s !== 'running'),
);

export const isTerminalState = (state: JobState): boolean => TERMINAL_STATES.has(state);
