import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram, commandPath } from '../src/program.js';

// No Docker engine or PM2 daemon runs here: the files are validated, not run. What can be checked
// is checked: they parse, and every kingly command line in them is one the CLI accepts.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const KNOWN_ENV = new Set(['KINGLY_REDIS_URL', 'KINGLY_API_TOKEN', 'KINGLY_HOME', 'KINGLY_QUEUE', 'KINGLY_PREFIX']);

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
      services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: string; image?: string }>;
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
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    // The image's Node is one the packages support (engines: ">=N").
    const imageMajor = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1]);
    const engines = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
    expect(imageMajor).toBeGreaterThanOrEqual(Number(/^>=(\d+)/.exec(engines)?.[1]));
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/opt/kingly/apps/cli/bin/kingly.js"]');
    expect(existsSync(`${root}apps/cli/bin/kingly.js`)).toBe(true);
  });

  it('ecosystem.config.cjs: PM2 apps run the kingly binary with arguments it accepts', async () => {
    const require = createRequire(import.meta.url);
    const ecosystem = require(`${root}ecosystem.config.cjs`) as { apps: Array<{ name: string; script: string; args: string[]; env: Record<string, string> }> };
    expect(ecosystem.apps.map((a) => a.name)).toEqual(['kingly-worker', 'kingly-api']);
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
