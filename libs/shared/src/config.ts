import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, KinglyError } from './errors.js';
import { DEFAULT_PREFIX } from './keys.js';

export const CONFIG_FILE_NAME = 'kingly.config.json';

/** `worktree` in a repository's kingly.config.json (read by the worker from the main checkout, or from the worktree for a URL). */
export const worktreeConfigSchema = z
  .object({
    /** Shell command(s) run in the fresh worktree before the job's command, in order (such as `npm ci`); output goes to the job's log. @default [] */
    setup: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    /** Files or directories copied from the main checkout into the worktree (such as `.env`), relative to its root; missing ones are skipped. @default [] */
    copy: z
      .array(
        z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), "a path relative to the repository root, without '..'"),
      )
      .optional(),
  })
  .strict();

export type WorktreeConfig = z.infer<typeof worktreeConfigSchema>;

/** The part of `kingly.config.json` this package reads. Unknown keys are an error. */
export const configFileSchema = z
  .object({
    $schema: z.string().optional(),
    /** Redis URL (`redis://…`, `rediss://…` or `unix:///path/to.sock`). @default the local stack */
    redisUrl: z.string().min(1).optional(),
    /** Queue jobs go to. @default "commands" */
    queue: z.string().min(1).optional(),
    /** Prefix of every Redis key. @default "kingly" */
    prefix: z.string().min(1).optional(),
    /** Where kingly keeps its local stack, tokens and worktrees. @default "~/.kingly" */
    home: z.string().min(1).optional(),
    /** How worker-made worktrees of this repository are prepared before the job's command. @default {} */
    worktree: worktreeConfigSchema.optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Settings after resolution: flag > environment > kingly.config.json > defaults. */
export interface KinglyConfig {
  /** Redis to use; undefined means the private local stack under `home`. */
  readonly redisUrl: string | undefined;
  readonly queue: string;
  readonly prefix: string;
  readonly home: string;
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
}

export interface ResolveConfigOptions {
  /** Values given as command-line flags. @default {} */
  readonly flags?: Partial<Pick<KinglyConfig, 'redisUrl' | 'queue' | 'prefix' | 'home'>>;
  /** Environment to read `KINGLY_*` from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory to search upwards from for kingly.config.json. @default process.cwd() */
  readonly cwd?: string;
}

/** Finds the nearest kingly.config.json at or above `dir`. */
export function findConfigFile(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Reads and validates a config file; errors name the file, the key and what was expected. */
export function loadConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new KinglyError(ErrorCodes.CONFIG_INVALID, `${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'fix the file or remove it',
    });
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length > 0 ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? '(root)';
    throw new KinglyError(ErrorCodes.CONFIG_INVALID, `${path}: key '${key}': ${issue.message}`, {
      hint: 'see the README for the keys kingly.config.json accepts',
    });
  }
  return parsed.data;
}

const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);

export function resolveConfig(options: ResolveConfigOptions = {}): KinglyConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const configFile = findConfigFile(options.cwd ?? process.cwd());
  const file = configFile ? loadConfigFile(configFile) : {};
  const home = flags.home ?? nonEmpty(env.KINGLY_HOME) ?? file.home ?? join(homedir(), '.kingly');
  return {
    redisUrl: flags.redisUrl ?? nonEmpty(env.KINGLY_REDIS_URL) ?? file.redisUrl,
    queue: flags.queue ?? nonEmpty(env.KINGLY_QUEUE) ?? file.queue ?? 'commands',
    prefix: flags.prefix ?? nonEmpty(env.KINGLY_PREFIX) ?? file.prefix ?? DEFAULT_PREFIX,
    home: resolve(home),
    configFile,
  };
}
