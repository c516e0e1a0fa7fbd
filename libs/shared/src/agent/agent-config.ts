import type { AgentFormat } from '../schemas/agent-spec.js';
import type { ModelPrice } from './prices.js';

/** One agent CLI as `agents.<name>` of kingly.config.json describes it (after defaults). */
export interface AgentConfig {
  /** Program and arguments; `{prompt}` is replaced by the prompt (one argument, never through a shell). */
  readonly argv: readonly string[];
  /** Arguments added to continue a session; `{sessionId}` is replaced. @default [] (the agent cannot resume) */
  readonly resume: readonly string[];
  /** Arguments added for `--max-turns N`; `{maxTurns}` is replaced. @default [] (not passed) */
  readonly maxTurns: readonly string[];
  /** How the worker reads its stdout. @default "text" */
  readonly format: AgentFormat;
  /** Extra environment. @default {} */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Claude Code in headless mode, printing one JSON object per line. `--permission-mode acceptEdits`
 * lets it edit files in its worktree without a person to ask, while commands and everything else
 * that needs a permission stay refused: it is never given a flag that skips all permission checks
 * (a user who wants that says so in `agents.claude.argv`).
 */
export const DEFAULT_CLAUDE_AGENT: AgentConfig = {
  argv: ['claude', '-p', '{prompt}', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits'],
  resume: ['--resume', '{sessionId}'],
  maxTurns: ['--max-turns', '{maxTurns}'],
  format: 'claude-stream-json',
  env: {},
};

/** Agents kingly knows without configuration. */
export const DEFAULT_AGENTS: Readonly<Record<string, AgentConfig>> = { claude: DEFAULT_CLAUDE_AGENT };

/** Agent jobs running at once over all workers, unless `agents.maxConcurrent` says. */
export const DEFAULT_AGENTS_MAX_CONCURRENT = 4;

/** `agents` of kingly.config.json as read (every key optional). */
export interface AgentsConfigFile {
  readonly maxConcurrent?: number;
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  readonly [name: string]: unknown;
}

/** The agent called `name`: the file's entry over the built-in one of that name; undefined when neither exists. */
export function resolveAgent(name: string, file: AgentsConfigFile | undefined): AgentConfig | undefined {
  const given = name === 'maxConcurrent' || name === 'prices' ? undefined : (file?.[name] as Partial<AgentConfig> | undefined);
  const builtin = DEFAULT_AGENTS[name];
  if (!given) return builtin;
  if (!given.argv && !builtin) return undefined;
  return {
    argv: given.argv ?? builtin!.argv,
    resume: given.resume ?? builtin?.resume ?? [],
    maxTurns: given.maxTurns ?? builtin?.maxTurns ?? [],
    format: given.format ?? builtin?.format ?? 'text',
    env: { ...builtin?.env, ...given.env },
  };
}

/** The argv of one run: the template with `{prompt}`, then the resume and max-turns arguments when asked. */
export function agentArgv(agent: AgentConfig, run: { prompt: string; sessionId?: string; maxTurns?: number }): string[] {
  const fill = (args: readonly string[]): string[] =>
    args.map((a) => a.replaceAll('{prompt}', run.prompt).replaceAll('{sessionId}', run.sessionId ?? '').replaceAll('{maxTurns}', String(run.maxTurns ?? '')));
  return [...fill(agent.argv), ...(run.sessionId !== undefined ? fill(agent.resume) : []), ...(run.maxTurns !== undefined ? fill(agent.maxTurns) : [])];
}
