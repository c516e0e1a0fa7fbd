import { z } from 'zod';

/** Resource limits of one job; the worker kills the whole tree when one is passed. */
export const runLimitsSchema = z
  .object({
    /** Kill the whole process tree after this many ms. @default undefined (no limit) */
    timeoutMs: z.number().int().positive().optional(),
    /** Kill when the tree's resident memory passes this many bytes. @default undefined (no limit) */
    maxMemoryBytes: z.number().int().positive().optional(),
  })
  .strict();

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/** What a client asks for. Parsed on enqueue and again in the worker. */
export const jobSpecSchema = z
  .object({
    /** Shell command, run with `sh -c`. Exactly one of `command` and `argv`. */
    command: z.string().min(1).optional(),
    /** Program and arguments, run without a shell. Exactly one of `command` and `argv`. */
    argv: z.array(z.string()).min(1).optional(),
    /** Absolute working directory. @default the worker's current directory */
    cwd: z.string().min(1).optional(),
    /** Extra environment, merged over the worker's. @default {} */
    env: z.record(envName, z.string()).optional(),
    /** A label for people. @default the command */
    name: z.string().min(1).max(200).optional(),
    /** Group id shared by jobs started together. @default undefined */
    group: z.string().min(1).max(200).optional(),
    /** Free-form tags. @default [] */
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
    /** Limits; see RunLimits. @default {} */
    limits: runLimitsSchema.optional(),
    /** How many times to run the job in all when it fails or its worker is lost. @default 1 */
    attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine((spec) => (spec.command === undefined) !== (spec.argv === undefined), {
    message: 'give exactly one of command (a shell string) or argv (an array)',
    path: ['command'],
  });

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type RunLimits = z.infer<typeof runLimitsSchema>;

/** What is stored as the BullMQ job's data: the parsed spec and when it was made. */
export interface JobData extends JobSpec {
  readonly createdAt: number;
}

/** A one-line, printable form of the command (argv joined, for display only). */
export const displayCommand = (spec: Pick<JobSpec, 'command' | 'argv'>): string =>
  spec.command ?? (spec.argv ?? []).join(' ');
