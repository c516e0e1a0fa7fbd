import type { JobSpec, RunLimits, WorktreeSpec } from '@kingly/cmd';
import { badInput, newJobId, parseDuration, parseSize } from '@kingly/cmd/lite';

/** What `kingly run` was told about the jobs it makes (its flags, before any default). */
export interface RunSpecFlags {
  /** `--name`. @default the command */
  readonly name?: string;
  /** `--env KEY=VALUE`, repeated. @default {} */
  readonly env?: Record<string, string>;
  /** `--timeout D`. @default config `defaults.timeout`, else no limit */
  readonly timeout?: string;
  /** `--max-memory SIZE`. @default config `defaults.maxMemory`, else no limit */
  readonly maxMemory?: string;
  /** `--attempts N`. @default 1 */
  readonly attempts?: number;
  /** `--group G`. @default a new id when the run makes a group */
  readonly group?: string;
  /** `-j N`: at most N of the group at once. @default no cap */
  readonly jobs?: number;
  /** `--fail-fast`: the first failure cancels the rest of the group. @default false */
  readonly failFast?: boolean;
  /** `--priority N` (BullMQ's: 1 first). @default undefined (none) */
  readonly priority?: number;
  /** `--after`, resolved to job ids. @default undefined (start at once) */
  readonly afterIds?: readonly string[];
}

/** `--timeout` and `--max-memory` as limits, checked at the edge; undefined fields are unset. */
export function limitsFromFlags(flags: Pick<RunSpecFlags, 'timeout' | 'maxMemory'>): RunLimits {
  const limits: { timeoutMs?: number; maxMemoryBytes?: number } = {};
  if (flags.timeout !== undefined) {
    limits.timeoutMs = parseDuration(flags.timeout, '--timeout');
    if (limits.timeoutMs < 1) throw badInput(`--timeout must be at least 1ms, got '${flags.timeout}'`);
  }
  if (flags.maxMemory !== undefined) {
    limits.maxMemoryBytes = parseSize(flags.maxMemory, '--max-memory');
    if (limits.maxMemoryBytes < 1) throw badInput(`--max-memory must be more than 0, got '${flags.maxMemory}'`);
  }
  return limits;
}

/** True when the flags ask for a group although there is one command. */
export const wantsGroup = (flags: RunSpecFlags): boolean => flags.group !== undefined || flags.jobs !== undefined || flags.failFast === true;

export interface RunSpecContext {
  /** Absolute directory the commands run in (unless `worktree` is given). */
  readonly cwd: string;
  /** Run each command in its own fresh worktree made from this (instead of `cwd`). @default undefined */
  readonly worktree?: WorktreeSpec;
  /** Limits from the flags (limitsFromFlags). */
  readonly limits: RunLimits;
  /** Limits from kingly.config.json `defaults`, used where the flags say nothing. @default {} */
  readonly defaults?: RunLimits;
  /** Make the jobs one group (several commands, or a group flag). */
  readonly grouped: boolean;
}

/** The job specs of one `kingly run`, in the order of the commands; `group` is set when grouped. */
export function runSpecs(commands: readonly string[], flags: RunSpecFlags, context: RunSpecContext): { specs: JobSpec[]; group: string | undefined } {
  const group = context.grouped ? (flags.group ?? `g-${newJobId()}`) : undefined;
  const limits = { ...context.defaults, ...context.limits };
  const specs = commands.map((command, i): JobSpec => ({
    command,
    ...(context.worktree ? { worktree: context.worktree } : { cwd: context.cwd }),
    ...(flags.env ? { env: flags.env } : {}),
    ...(flags.name !== undefined ? { name: commands.length > 1 ? `${flags.name}:${i + 1}` : flags.name } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(flags.attempts !== undefined ? { attempts: flags.attempts } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(group !== undefined && flags.jobs !== undefined ? { groupConcurrency: flags.jobs } : {}),
    ...(group !== undefined && flags.failFast ? { failFast: true } : {}),
    ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
    ...(flags.afterIds !== undefined ? { after: [...flags.afterIds] } : {}),
  }));
  return { specs, group };
}
