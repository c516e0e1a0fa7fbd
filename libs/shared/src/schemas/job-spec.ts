import { z } from 'zod';
import { checkBranchName, checkRepo, checkRevision, redactRepo } from '../git-names.js';

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

/** A string field checked by a function that says why a value is wrong. */
const checked = (what: string, check: (value: string) => string | undefined, show: (value: string) => string = (v) => v) =>
  z.string().superRefine((value, ctx) => {
    const why = check(value);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: `expected ${what}, got '${show(value)}': ${why}` });
  });

const relativeSubdir = (value: string): string | undefined =>
  value.startsWith('/') || value.split('/').includes('..') ? "it must be relative and stay inside the checkout (no '..')" : undefined;

/** Run the job in a fresh git worktree that the worker makes, and removes when the job ends. */
export const worktreeSpecSchema = z
  .object({
    /** The repository: an absolute path on the worker's machine (or a shared filesystem), or a clone URL the worker mirrors. */
    repo: checked('an absolute path or a clone URL', checkRepo, redactRepo),
    /** What to check out: a branch, tag, sha or revision such as `main~2`. @default "HEAD" (for a URL: the remote's default branch) */
    ref: checked('a git revision', checkRevision).optional(),
    /** Check out this branch instead of a detached HEAD: made at `ref` when new, continued when it exists. @default undefined (detached) */
    branch: checked('a branch name git check-ref-format --branch accepts', checkBranchName).optional(),
    /** Keep the worktree when the job ends. @default false */
    keep: z.boolean().optional(),
    /** Directory inside the checkout the command runs in, relative. @default the checkout's root */
    subdir: checked('a relative directory', relativeSubdir).optional(),
  })
  .strict();

/** When the worker starts a job's command again after it exits (dev servers). */
export const restartPolicySchema = z
  .object({
    /** `always`: after any exit; `on-failure`: after a non-zero exit or a signal; `never`. */
    policy: z.enum(['always', 'on-failure', 'never']),
    /** Restarts allowed in all; past them the job ends with the last exit. @default 10 */
    maxRestarts: z.number().int().min(0).max(10_000).optional(),
    /** Wait before the first restart, ms; doubles after each quick crash, up to 30 s (or this, if longer). @default 1000 */
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

const tcpPort = z.number().int().min(1).max(65_535);

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
    /** At most this many jobs of the same group run at once, over all workers. Needs `group`. @default undefined (no cap) */
    groupConcurrency: z.number().int().min(1).max(10_000).optional(),
    /** When this job fails, cancel the rest of its group (their trees killed). Needs `group`. @default false */
    failFast: z.boolean().optional(),
    /** Start the command again when it exits (dev servers); see RestartPolicy. @default undefined (never) */
    restart: restartPolicySchema.optional(),
    /** Give the command a free TCP port from this inclusive range, as PORT. @default undefined (no port) */
    portRange: z.tuple([tcpPort, tcpPort]).optional(),
    /** Run in a fresh git worktree; see WorktreeSpec. Excludes `cwd`. @default undefined (run in cwd) */
    worktree: worktreeSpecSchema.optional(),
  })
  .strict()
  .refine((spec) => (spec.command === undefined) !== (spec.argv === undefined), {
    message: 'give exactly one of command (a shell string) or argv (an array)',
    path: ['command'],
  })
  .refine((spec) => spec.group !== undefined || (spec.groupConcurrency === undefined && spec.failFast === undefined), {
    message: 'groupConcurrency and failFast need a group',
    path: ['group'],
  })
  .refine((spec) => spec.portRange === undefined || spec.portRange[0] <= spec.portRange[1], {
    message: 'the first port of the range must not be above the second',
    path: ['portRange'],
  })
  .refine((spec) => spec.cwd === undefined || spec.worktree === undefined, {
    message: 'give cwd or worktree, not both (use worktree.subdir for a directory inside the checkout)',
    path: ['cwd'],
  });

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type RunLimits = z.infer<typeof runLimitsSchema>;
export type WorktreeSpec = z.infer<typeof worktreeSpecSchema>;
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** What is stored as the BullMQ job's data: the parsed spec and when it was made. */
export interface JobData extends JobSpec {
  readonly createdAt: number;
}

export { displayCommand } from '../display-command.js';
