import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '@kingly/worker';
import { uniqueName } from '@kingly/testing';
import { buildProgram, commandPath } from '../src/program.js';
import { cleanEnv, startWorkerProcess } from './helpers.js';

// No Docker engine runs here: docker-compose.yml and the Dockerfile are validated, not run (the
// PM2 ecosystem is run by pm2-fleet.test.ts). What can be checked is checked: they parse, the
// compose file is valid against the Compose Specification's JSON schema, every kingly command line
// in them is one the CLI accepts, and the supervisors wait longer than the worker's grace.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const KNOWN_ENV = new Set(['KINGLY_REDIS_URL', 'KINGLY_API_TOKEN', 'KINGLY_HOME', 'KINGLY_QUEUE', 'KINGLY_PREFIX']);
const require = createRequire(import.meta.url);

/**
 * The Compose Specification's JSON schema (compose-spec/compose-spec, schema/compose-spec.json), as
 * the dclint package ships it; compiled with ajv (draft-07).
 */
function composeValidator(): (document: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json'), 'utf8')) as Record<string, unknown>;
  expect(schema.title).toBe('Compose Specification');
  // Its $schema names draft-07 by its https address, which ajv (draft-07 built in) knows by http.
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  const validate = ajv.compile(schema);
  return (document) => (validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
}

/** A Compose or Docker duration (`30s`, `1m30s`, `500ms`) in ms. */
function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  expect(parts.map((p) => p[0]).join(''), `duration '${text}'`).toBe(text);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

/**
 * A supervisor's wait before SIGKILL covers the worker's shutdown: the grace (its --grace, else the
 * default), then SIGTERM to what is left and SIGKILL 2 s later, then closing its connections.
 */
function coversGrace(waitMs: number, workerArgs: readonly string[], what: string): void {
  const at = workerArgs.indexOf('--grace');
  const graceMs = at === -1 ? DEFAULT_SHUTDOWN_GRACE_MS : durationMs(workerArgs[at + 1]!);
  expect(waitMs, `${what} (${waitMs}ms) must exceed the worker's grace (${graceMs}ms) + 5 s`).toBeGreaterThanOrEqual(graceMs + 5000);
}

/**
 * The CLI accepts the arguments: the whole command line is parsed by kingly's own program (every
 * option, value parser and argument checked) with each command's action replaced by a recorder, so
 * nothing starts. A misspelt flag or a bad value rejects with the UsageError `kingly` would print.
 */
async function accepts(args: readonly string[]): Promise<void> {
  const program = buildProgram();
  const ran: string[] = [];
  const record = (command: Command): void => {
    if (command.commands.length === 0) command.action(() => void ran.push(commandPath(command)));
    for (const sub of command.commands) record(sub);
  };
  record(program);
  await program.parseAsync([...args], { from: 'user' });
  expect(ran, `kingly ${args.join(' ')} runs one command`).toHaveLength(1);
}

describe('deployment files', () => {
  it('docker-compose.yml: redis, worker and api services with commands the CLI accepts', async () => {
    const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: string; image?: string; stop_grace_period?: string }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker']);
    for (const name of ['worker', 'api']) {
      const service = compose.services[name]!;
      expect(service.build).toBe('.');
      await accepts(service.command!);
      for (const key of Object.keys(service.environment ?? {})) expect(KNOWN_ENV.has(key), key).toBe(true);
      expect(service.environment?.KINGLY_REDIS_URL).toBe('redis://redis:6379');
    }
    expect(compose.services.api!.environment?.KINGLY_API_TOKEN).toMatch(/^\$\{KINGLY_API_TOKEN:\?/);
    coversGrace(durationMs(compose.services.worker!.stop_grace_period!), compose.services.worker!.command!, 'the worker\'s stop_grace_period');
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    // The image's Node is one the packages support (engines: ">=N").
    const imageMajor = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1]);
    const engines = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
    expect(imageMajor).toBeGreaterThanOrEqual(Number(/^>=(\d+)/.exec(engines)?.[1]));
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/opt/kingly/apps/cli/bin/kingly.js"]');
    expect(existsSync(`${root}apps/cli/bin/kingly.js`)).toBe(true);
  });

  it('ecosystem.config.cjs: PM2 apps run the kingly binary with arguments it accepts', async () => {
    const ecosystem = require(`${root}ecosystem.config.cjs`) as {
      apps: Array<{ name: string; script: string; args: string[]; env: Record<string, string>; kill_timeout: number; treekill?: boolean }>;
    };
    expect(ecosystem.apps.map((a) => a.name)).toEqual(['kingly-worker', 'kingly-api']);
    const worker = ecosystem.apps[0]!;
    coversGrace(worker.kill_timeout, worker.args, "the worker's kill_timeout");
    // PM2 must signal the worker alone: its jobs are its children, which it ends itself.
    expect(worker.treekill).toBe(false);
    for (const app of ecosystem.apps) {
      expect(existsSync(app.script)).toBe(true);
      await accepts(app.args);
      for (const key of Object.keys(app.env)) expect(KNOWN_ENV.has(key), key).toBe(true);
    }
  });
});

describe('the deployment files check', () => {
  it('rejects a misspelt flag and a bad value, which --help would have let through', async () => {
    await accepts(['worker', '--queue', 'commands']);
    await expect(accepts(['worker', '--queu', 'commands'])).rejects.toThrow(/unknown option '--queu'/);
    await expect(accepts(['worker', '--queue', 'no spaces'])).rejects.toThrow(/--queue/);
  });
});

describe('docker-compose.yml against the Compose Specification', () => {
  it('is valid, and the schema catches a misspelt key and a wrong type', () => {
    const validate = composeValidator();
    const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as { services: Record<string, Record<string, unknown>> };
    expect(validate(compose)).toEqual([]);
    const worker = compose.services.worker!;
    const misspelt = { ...compose, services: { ...compose.services, worker: { ...worker, stop_grace_periods: '30s' } } };
    expect(validate(misspelt).join('\n')).toMatch(/\/services\/worker .*stop_grace_periods/);
    const wrongType = { ...compose, services: { ...compose.services, worker: { ...worker, command: 42 } } };
    expect(validate(wrongType).join('\n')).toMatch(/\/services\/worker\/command/);
  });
});

describe("the image's HEALTHCHECK", () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  const line = /^HEALTHCHECK (.*) CMD (\[.*\])$/m.exec(dockerfile);

  it('runs the health script often enough to see a dead heartbeat, after a worker can have started', () => {
    expect(line, 'a HEALTHCHECK … CMD [exec form] line in the Dockerfile').not.toBeNull();
    const [, flags, cmd] = line!;
    const options = Object.fromEntries([...flags!.matchAll(/--(interval|timeout|start-period)=(\S+)/g)].map(([, k, v]) => [k!, durationMs(v!)]));
    expect(JSON.parse(cmd!)).toEqual(['node', '/opt/kingly/scripts/container-health.mjs']);
    expect(existsSync(`${root}scripts/container-health.mjs`)).toBe(true);
    expect(options['interval']).toBeLessThanOrEqual(30_000);
    expect(options['start-period']).toBeGreaterThanOrEqual(10_000);
    expect(options['timeout']).toBeGreaterThanOrEqual(8000);
  });

  it("answers 0 while this host's worker beats and 1 once it has stopped", async () => {
    // Its own key prefix: the only worker there is this test's, on this machine's host name.
    const host = hostname();
    const env = cleanEnv({ KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: uniqueName('cli-health') });
    const health = () => execa(process.execPath, [`${root}scripts/container-health.mjs`], { env, extendEnv: false, reject: false, timeout: 30_000 });
    const before = await health();
    expect(before.exitCode).toBe(1);
    expect(before.stderr).toContain(`no live kingly worker on ${host}`);
    const worker = await startWorkerProcess(env);
    try {
      const healthy = await health();
      expect(healthy.exitCode, healthy.stderr).toBe(0);
    } finally {
      await worker.stop();
    }
    expect((await health()).exitCode).toBe(1);
  }, 90_000);
});
