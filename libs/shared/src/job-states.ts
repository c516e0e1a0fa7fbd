// The job states, apart from their zod schema (schemas/job-state.ts) so that read-only paths such
// as `kingly status` (@kingly/cmd/lite) never load zod.

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

export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(
  JOB_STATES.filter((s) => s !== 'queued' && s !== 'running'),
);

export const isTerminalState = (state: JobState): boolean => TERMINAL_STATES.has(state);
