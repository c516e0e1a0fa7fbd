import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configFromSources, findConfigFile, type KinglyConfig, type ResolveConfigOptions } from './config-resolve.js';
import { ErrorCodes, KinglyError } from './errors.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';
import { webhookConfigSchema } from './webhooks/config.js';

export { CONFIG_FILE_NAME, configFromSources, findConfigFile, type KinglyConfig, type ResolveConfigOptions } from './config-resolve.js';

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
    /**
     * Directories of the main checkout (such as `node_modules`) symlinked into the worktree instead
     * of running `setup`, when safe: the worktree's lockfile equals the main checkout's, or it has
     * none and package.json's dependency fields are equal. Else `setup` runs (the log says why). @default []
     */
    reuse: z
      .array(
        z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.split('/').includes('.git'), "a path relative to the repository root, without '..' or '.git'"),
      )
      .optional(),
  })
  .strict();

export type WorktreeConfig = z.infer<typeof worktreeConfigSchema>;

const duration = z.string().regex(new RegExp(DURATION_PATTERN), 'expected a duration like 500ms, 30s, 10m or 2h');
const size = z.string().regex(new RegExp(SIZE_PATTERN), 'expected a size like 512K, 200M or 2G');
const tcpPort = z.number().int().min(1).max(65_535);

/** `defaults` in kingly.config.json: what `kingly run` uses when its flags do not say. */
export const runDefaultsConfigSchema = z
  .object({
    /** `--timeout` of every run. @default undefined (no limit) */
    timeout: duration.optional().describe('--timeout of every kingly run that gives none, such as "10m". Default: no limit.'),
    /** `--notify` of every run: a desktop notification when the job ends. @default false */
    notify: z.boolean().optional().describe('Notify on the desktop when each kingly run job ends, as --notify does. Default: false.'),
    /** `--max-memory` of every run. @default undefined (no limit) */
    maxMemory: size.optional().describe('--max-memory of every kingly run that gives none, such as "512M". Default: no limit.'),
  })
  .strict();

/** One entry of `dev` in kingly.config.json: a long-running dev server (`kingly dev start <name>`). */
export const devServerConfigSchema = z
  .object({
    /** Shell command that runs the server. */
    command: z.string().min(1).describe('Shell command that runs the server, such as "npm run dev".'),
    /** Directory to run in, relative to the config file's directory. @default the config file's directory */
    cwd: z.string().min(1).optional().describe("Directory to run in, relative to the config file's directory. Default: that directory."),
    /** Extra environment. @default {} */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string())
      .optional()
      .describe('Extra environment variables for the server.'),
    /** Port handed to the server as PORT. @default undefined (no PORT) */
    port: tcpPort.optional().describe('Port handed to the server as PORT.'),
    /** Ports a second copy (another checkout or worktree) may get when `port` is taken by a running copy. @default [port, port + 99] */
    portRange: z
      .tuple([tcpPort, tcpPort])
      .optional()
      .describe('Inclusive range of ports a copy gets (as PORT) when another copy of this server runs already. Default: [port, port + 99].'),
    /** When to start the server again after it exits. @default "on-failure" */
    restart: z.enum(['always', 'on-failure', 'never']).optional().describe('When to start the server again after it exits. Default: "on-failure".'),
    /** Restarts allowed in all. @default 10 */
    maxRestarts: z.number().int().min(0).max(10_000).optional().describe('Restarts allowed in all. Default: 10.'),
    /** Wait before the first restart; doubles after each quick crash (up to 30 s). @default "1s" */
    restartDelay: duration.optional().describe('Wait before the first restart, such as "1s"; doubles after each quick crash, up to 30 s. Default: "1s".'),
  })
  .strict()
  .refine((d) => d.portRange === undefined || d.portRange[0] <= d.portRange[1], {
    message: 'the first port of the range must not be above the second',
    path: ['portRange'],
  });

const argvTemplate = z.array(z.string().min(1)).min(1);

/** One entry of `agents` in kingly.config.json: an agent CLI for `kingly parallel`. */
export const agentConfigSchema = z
  .object({
    /** Program and arguments; `{prompt}` becomes the prompt (one argument, no shell). @default the built-in agent of that name */
    argv: argvTemplate.optional().describe('Program and arguments; "{prompt}" is replaced by the prompt (one argument, no shell). Default: the built-in agent of that name (claude).'),
    /** Arguments added to continue a session; `{sessionId}` is replaced. @default [] (claude: ["--resume", "{sessionId}"]) */
    resume: z.array(z.string().min(1)).optional().describe('Arguments added to continue a session (kingly parallel send); "{sessionId}" is replaced. Default: none (claude: --resume {sessionId}).'),
    /** Arguments added for --max-turns; `{maxTurns}` is replaced. @default [] (claude: ["--max-turns", "{maxTurns}"]) */
    maxTurns: z.array(z.string().min(1)).optional().describe('Arguments added for --max-turns; "{maxTurns}" is replaced. Default: none (claude: --max-turns {maxTurns}).'),
    /** How the worker reads the agent's stdout. @default "text" (claude: "claude-stream-json") */
    format: z.enum(['claude-stream-json', 'text']).optional().describe('claude-stream-json: the worker reads session, turns, tokens and cost from the output; text: logs and process figures only. Default: text (claude: claude-stream-json).'),
    /** Extra environment for the agent. @default {} */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()).optional().describe('Extra environment variables for the agent.'),
  })
  .strict();

const modelPrice = z
  .object({
    input: z.number().min(0).describe('USD per million input tokens.'),
    output: z.number().min(0).describe('USD per million output tokens.'),
    cacheRead: z.number().min(0).optional().describe('USD per million cache-read tokens. Default: input × 0.1.'),
    cacheWrite: z.number().min(0).optional().describe('USD per million cache-write tokens. Default: input × 1.25.'),
  })
  .strict();

/** `agents` in kingly.config.json: agent CLIs by name, the cap on running agents, model prices. */
export const agentsConfigSchema = z
  .object({
    /** Agent jobs running at once over all workers; the rest wait queued. @default 4 */
    maxConcurrent: z.number().int().min(1).max(10_000).optional().describe('Agent jobs (kingly parallel) running at once over all workers; the rest wait queued. Default: 4.'),
    /** USD per million tokens by model-name prefix, over the built-in list prices. @default {} */
    prices: z.record(z.string().min(1), modelPrice).optional().describe('USD per million tokens by model-name prefix (the longest prefix wins), over the built-in list prices; "default" prices any other model.'),
  })
  .catchall(agentConfigSchema);

/** `retention` in kingly.config.json: how long workers keep finished jobs (defaults in retention.ts). */
export const retentionConfigSchema = z
  .object({
    /** Finished jobs older than this are pruned. @default "7d" */
    maxAge: duration.optional().describe('Finished jobs (record, log, BullMQ job) older than this are pruned by the workers, such as "7d" or "12h". Default: "7d".'),
    /** At most this many finished jobs are kept, the newest. @default 10000 */
    maxJobs: z.number().int().min(1).max(100_000_000).optional().describe('At most this many finished jobs are kept, the newest; older ones are pruned by the workers. Default: 10000.'),
  })
  .strict();

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;
export type DevServerConfig = z.infer<typeof devServerConfigSchema>;

/** The part of `kingly.config.json` this package reads. Unknown keys are an error. */
export const configFileSchema = z
  .object({
    $schema: z.string().optional().describe('The JSON schema of this file, for editors: node_modules/@kingly/cmd/kingly.config.schema.json'),
    /** Redis URL (`redis://…`, `rediss://…` or `unix:///path/to.sock`). @default the local stack */
    redisUrl: z.string().min(1).optional().describe('Redis URL: redis://host:port, rediss://…, unix:///path/to.sock, redis+sentinel://host:26379,…/master or redis+cluster://host:7000,…. Default: the private local stack.'),
    /** PEM file of the CAs a `rediss://` server's certificate is checked against; relative to the config file. KINGLY_REDIS_CA wins. @default Node's trusted CAs */
    redisCaFile: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file of the certificate authorities a rediss:// server's certificate is checked against (a private or self-signed CA), instead of Node's trusted ones; a relative path is relative to this file. KINGLY_REDIS_CA wins over it. Default: Node's trusted CAs."),
    /** Queue jobs go to. @default "commands" */
    queue: z.string().min(1).optional().describe('Queue jobs go to. Default: "commands".'),
    /** Prefix of every Redis key. @default "kingly" */
    prefix: z.string().min(1).optional().describe('Prefix of every Redis key; with a redis+cluster:// URL it must hold a hash tag such as "{kingly}". Default: "kingly" ("{kingly}" on a cluster).'),
    /** Where kingly keeps its local stack, tokens and worktrees. @default "~/.kingly" */
    home: z.string().min(1).optional().describe('Where kingly keeps its local stack, tokens and worktrees. Default: ~/.kingly.'),
    /** How worker-made worktrees of this repository are prepared before the job's command. @default {} */
    worktree: worktreeConfigSchema.optional().describe('How worker-made git worktrees of this repository are prepared: setup commands, files to copy, dependency folders to reuse (worktree.reuse, such as node_modules).'),
    /** What `kingly run` uses when its flags do not say. @default {} */
    defaults: runDefaultsConfigSchema.optional().describe('What kingly run uses when its flags do not say.'),
    /** Dev servers by name, for `kingly dev start|stop|restart|status|logs [name]`. @default {} (the `dev` script of package.json) */
    dev: z
      .record(z.string().regex(/^[A-Za-z0-9_.@/-]{1,100}$/, "expected a name of letters, digits, '_', '.', '-', '@' or '/'"), devServerConfigSchema)
      .optional()
      .describe('Dev servers by name, for kingly dev start|stop|restart|status|logs [name]. Default: the dev script of package.json.'),
    /** How long finished jobs are kept (workers prune beyond it; BullMQ's removeOnComplete/removeOnFail follow it). @default { maxAge: "7d", maxJobs: 10000 } */
    retention: retentionConfigSchema.optional().describe('How long finished jobs are kept: workers prune older ones and those beyond maxJobs (kingly prune does it by hand).'),
    /** Agent CLIs for `kingly parallel`, the cap on running agents, model prices. @default { claude: built in, maxConcurrent: 4 } */
    agents: agentsConfigSchema.optional().describe('Agent CLIs for kingly parallel (agents.<name>: argv, resume, maxTurns, format, env), agents.maxConcurrent and agents.prices.'),
    /** The HTTP API of `kingly up` and `kingly api` (flags and KINGLY_API_PORT come first). @default {} */
    api: z
      .object({
        /** TCP port the API listens on. @default 7077 */
        port: tcpPort.optional().describe('TCP port the API of kingly up and kingly api listens on (after --api-port/--port and KINGLY_API_PORT). Default: 7077.'),
        /** Working directory of a job POSTed without cwd (absolute). @default none: such a job is refused (400 naming cwd) */
        defaultCwd: z
          .string()
          .refine((value) => value.startsWith('/') && !value.includes('\0'), 'must be an absolute path without NUL bytes')
          .optional()
          .describe('Absolute working directory of a job POSTed to kingly api without cwd. Default: none (such a job is refused with 400 naming cwd).'),
      })
      .strict()
      .optional()
      .describe('The HTTP API (live page, Bull Board, /api) that kingly up starts and kingly api runs.'),
    /** How `kingly worker` runs. @default {} */
    worker: z
      .object({
        /** How job processes are found and measured: "proc" reads Linux's /proc, "ps" runs ps (portable). @default "proc" on Linux, "ps" elsewhere */
        accounting: z
          .enum(['proc', 'ps'])
          .optional()
          .describe('How the worker finds and measures job processes: "proc" reads Linux\'s /proc, "ps" runs ps (portable, as on macOS). Default: proc on Linux, ps elsewhere.'),
        /** Jobs one worker runs at once (`kingly worker` and the local stack's worker; `--concurrency` wins). @default the number of CPU cores */
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .optional()
          .describe('Jobs one worker runs at once (kingly worker, and the worker kingly up starts), unless --concurrency says. Default: the number of CPU cores.'),
        /** How often the worker writes its heartbeat (one MULTI per beat). @default "2s" */
        heartbeat: duration.optional().describe('How often each worker writes its heartbeat, such as "2s". Default: "2s".'),
        /**
         * How long a heartbeat lasts (at least twice `heartbeat`): a worker silent this long is dead, its jobs end
         * worker-lost within one more heartbeat, and a worker cut off from Redis this long ends its own jobs.
         * Shorter finds dead workers sooner; longer rides out longer Redis or network stalls. @default 3 × heartbeat ("6s")
         */
        heartbeatTtl: duration
          .optional()
          .describe('How long a heartbeat lasts, such as "6s" (at least twice heartbeat): a worker silent this long is taken for dead and its jobs end worker-lost. Default: 3 × heartbeat.'),
      })
      .strict()
      .optional()
      .describe('How kingly worker runs.'),
    /** Where the API process POSTs job endings, signed with each entry's secret. @default [] */
    webhooks: z
      .array(webhookConfigSchema)
      .max(50)
      .optional()
      .describe('Where the API (kingly api) POSTs job endings as signed JSON: [{ url, events, secret }]. Default: none.'),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

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
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // A misspelt key is the likelier cause of the other complaints (a required key "missing").
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const key = [...issue.path, ...unknown.slice(0, 1)].join('.') || '(root)';
    // A webhook's values may be (or contain) its secret: never echoed.
    const secretive = issue.path[0] === 'webhooks';
    const got = issue.input === undefined || unknown.length > 0 || issue.code === 'invalid_type' || secretive ? '' : `, got ${JSON.stringify(issue.input)?.slice(0, 60)}`;
    const message = unknown.length > 0 ? 'unknown key (see kingly.config.schema.json for the keys accepted here)' : `${issue.message}${got}`;
    throw new KinglyError(ErrorCodes.CONFIG_INVALID, `${path}: key '${key}': ${message}`, {
      hint: 'see the README for the keys kingly.config.json accepts',
    });
  }
  return parsed.data;
}

/** Settings for this invocation: flag > `KINGLY_*` environment > nearest kingly.config.json > defaults. */
export function resolveConfig(options: ResolveConfigOptions = {}): KinglyConfig {
  const configFile = findConfigFile(options.cwd ?? process.cwd());
  return configFromSources(options, configFile, configFile ? loadConfigFile(configFile) : {});
}
