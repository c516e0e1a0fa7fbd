import { z } from 'zod';
import { jobStateSchema } from './job-state.js';
import { agentStateSchema } from './agent-state.js';

const isoTime = z.string().nullable();
const count = z.number().nullable();

/** The job as everyone reads it: spec, placement, process and outcome. Times are ISO-8601. */
export const jobRecordSchema = z.object({
  id: z.string(),
  queue: z.string(),
  name: z.string(),
  command: z.string(),
  argv: z.array(z.string()).nullable(),
  cwd: z.string().nullable(),
  group: z.string().nullable(),
  tags: z.array(z.string()),
  state: jobStateSchema,
  exitCode: count,
  signal: z.string().nullable(),
  /** Why the job ended the way it did, when the state alone does not say (spawn error, limit). */
  reason: z.string().nullable(),
  pid: count,
  pgid: count,
  host: z.string().nullable(),
  workerId: z.string().nullable(),
  attempt: z.number(),
  attempts: z.number(),
  createdAt: isoTime,
  startedAt: isoTime,
  /** When the command was last started again by its restart policy; null before any restart (uptime counts from it). */
  restartedAt: isoTime,
  finishedAt: isoTime,
  durationMs: count,
  cpuPercent: count,
  rssBytes: count,
  peakRssBytes: count,
  cpuSeconds: count,
  processCount: count,
  /** Times the command was started again (restart policy). */
  restarts: z.number(),
  /** The TCP port handed to the job as PORT, if it asked for one. */
  port: count,
  /** Worktree jobs: the repository (credentials hidden), the ref asked for, the sha checked out, the branch and the checkout's path. */
  repo: z.string().nullable(),
  ref: z.string().nullable(),
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  worktreePath: z.string().nullable(),
  /** Agent jobs (spec `agent`): the state read from the agent's output; null for other jobs. */
  agent: agentStateSchema.nullable(),
});

export type JobRecord = z.infer<typeof jobRecordSchema>;
