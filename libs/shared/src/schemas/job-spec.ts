import { z } from 'zod';
import { checkBranchName, checkRepo, checkRevision, redactRepo } from '../git-names.js';
import { agentSpecSchema } from './agent-spec.js';
import {
  checkText, ENV_NAME, execBytes, MAX_ARG_BYTES, MAX_ARGV_ENV_TOTAL_BYTES, MAX_LABEL_CHARS, MAX_PATH_BYTES, MAX_TAG_CHARS, MAX_TAGS,
} from './spec-text.js';

/** Resource limits of one job; the worker kills the whole tree when one is passed. */
export const runLimitsSchema = z
  .object({
    /** Kill the whole process tree after this many ms. @default undefined (no limit) */
    timeoutMs: z.number().int().positive().optional(),
    /** Kill when the tree's resident memory passes this many bytes. @default undefined (no limit) */
    maxMemoryBytes: z.number().int().positive().optional(),
  })
  .strict();

const envName = z.string().regex(ENV_NAME, 'an environment variable name');

/** A string with no NUL, well-formed (no lone surrogate) and at most `maxBytes` of UTF-8: see checkText. */
const text = (maxBytes = Infinity) =>
  z.string().superRefine((value, ctx) => {
    const why = checkText(value, maxBytes);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
  });

/** A label people read: text of 1 to `max` characters. */
const label = (max: number) => text().min(1, 'is empty').max(max, `is longer than ${max} characters`);

/** A string field checked by a function that says why a value is wrong (after the text checks). */
const checked = (what: string, check: (value: string) => string | undefined, show: (value: string) => string = (v) => v) =>
  z.string().superRefine((value, ctx) => {
    const bad = checkText(value, MAX_PATH_BYTES);
    const why = bad ?? check(value);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: bad ?? `expected ${what}, got '${show(value)}': ${why}` });
  });

const absolutePath = z.string().superRefine((value, ctx) => {
  const why = checkText(value, MAX_PATH_BYTES) ?? (value.startsWith('/') ? undefined : `must be an absolute path, got '${value.slice(0, 200)}'`);
  if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
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

/** How long to wait before each retry; the client hands it to BullMQ as `opts.backoff`, which applies it. */
export const backoffSpecSchema = z
  .object({
    /** `fixed`: `delayMs` before every retry; `exponential`: `delayMs` × 2^(n−1) before retry n. */
    type: z.enum(['fixed', 'exponential']),
    /** The wait, ms (the first one, for `exponential`). */
    delayMs: z.number().int().min(0).max(86_400_000),
  })
  .strict();

export type BackoffSpec = z.infer<typeof backoffSpecSchema>;

const tcpPort = z.number().int().min(1).max(65_535);

/** What a client asks for. Parsed on enqueue and again in the worker. */
export const jobSpecSchema = z
  .object({
    /** Shell command, run with `sh -c`. Exactly one of `command` and `argv`. */
    command: text(MAX_ARG_BYTES).min(1).optional(),
    /** Program and arguments, run without a shell. Exactly one of `command` and `argv`. */
    argv: z.array(text(MAX_ARG_BYTES)).min(1).optional(),
    /** Absolute working directory. @default the worker's current directory */
    cwd: absolutePath.optional(),
    /** Extra environment, merged over the worker's. @default {} */
    env: z.record(envName, text(MAX_ARG_BYTES)).optional(),
    /** A label for people. @default the command */
    name: label(MAX_LABEL_CHARS).optional(),
    /** Group id shared by jobs started together. @default undefined */
    group: label(MAX_LABEL_CHARS).optional(),
    /** Free-form tags. @default [] */
    tags: z.array(label(MAX_TAG_CHARS)).max(MAX_TAGS, `has more than ${MAX_TAGS} tags`).optional(),
    /** Limits; see RunLimits. @default {} */
    limits: runLimitsSchema.optional(),
    /** How many times to run the job in all when it fails or its worker is lost. @default 1 */
    attempts: z.number().int().min(1).max(100).optional(),
    /** Wait before each retry; see BackoffSpec. @default undefined (retry at once) */
    backoff: backoffSpecSchema.optional(),
    /** At most this many jobs of the same group run at once, over all workers. Needs `group`. @default undefined (no cap) */
    groupConcurrency: z.number().int().min(1).max(10_000).optional(),
    /** When this job fails, cancel the rest of its group (their trees killed). Needs `group`. @default false */
    failFast: z.boolean().optional(),
    /** Start the command again when it exits (dev servers); see RestartPolicy. @default undefined (never) */
    restart: restartPolicySchema.optional(),
    /** Give the command a free TCP port from this inclusive range, as PORT. @default undefined (no port) */
    portRange: z.tuple([tcpPort, tcpPort]).optional(),
    /** BullMQ priority: 1 is taken first, up to 2,097,152; jobs without one are taken before any job with one (BullMQ's order). @default undefined (none) */
    priority: z.number().int().min(1).max(2_097_152).optional(),
    /** Start only when every job with these ids has succeeded; when one ends otherwise or is unknown, this job ends cancelled, saying why. @default undefined (start at once) */
    after: z.array(label(MAX_LABEL_CHARS)).min(1, 'is empty').max(100, 'has more than 100 jobs').optional(),
    /** Run in a fresh git worktree; see WorktreeSpec. Excludes `cwd`. @default undefined (run in cwd) */
    worktree: worktreeSpecSchema.optional(),
    /** The command is an agent CLI whose output the worker reads; see AgentSpec. @default undefined (not an agent) */
    agent: agentSpecSchema.optional(),
  })
  .strict()
  .superRefine(checkExecSize)
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

/** What exec is handed must fit: each env entry as one string, and everything together. */
function checkExecSize(spec: { command?: string; argv?: string[]; env?: Record<string, string> }, ctx: z.RefinementCtx): void {
  let total = 0;
  if (spec.command !== undefined) total += execBytes(spec.command);
  for (const item of spec.argv ?? []) total += execBytes(item);
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    const entry = execBytes(`${name}=${value}`);
    total += entry;
    if (entry - 9 > MAX_ARG_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['env', name], message: `is ${entry - 9} bytes as NAME=value; the limit is ${MAX_ARG_BYTES}` });
      return;
    }
  }
  if (total > MAX_ARGV_ENV_TOTAL_BYTES) {
    const field = spec.argv !== undefined ? 'argv' : spec.env !== undefined && Object.keys(spec.env).length > 0 ? 'env' : 'command';
    ctx.addIssue({ code: 'custom', path: [field], message: `command, argv and env take ${total} bytes together (with exec's NUL and pointer per string); the limit is ${MAX_ARGV_ENV_TOTAL_BYTES}` });
  }
}

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type RunLimits = z.infer<typeof runLimitsSchema>;
export type WorktreeSpec = z.infer<typeof worktreeSpecSchema>;
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** What is stored as the BullMQ job's data: the parsed spec and when it was made. */
export interface JobData extends JobSpec {
  readonly createdAt: number;
}

export { displayCommand } from '../display-command.js';
