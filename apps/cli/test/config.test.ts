import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { configJsonSchemaText } from '@kingly/cmd';
import { tempDir, uniqueName } from '@kingly/testing';
import { cleanEnv, kingly, lines } from './helpers.js';

const dir = tempDir('kingly-cli-config');
const env = cleanEnv({ KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: uniqueName('cli-config'), KINGLY_HOME: dir.path });

afterAll(() => dir.remove());

describe('kingly.config.json', () => {
  it.each([
    [{ dev: { web: { comand: 'npm run dev' } } }, "key 'dev.web.comand': unknown key"],
    [{ dev: { web: { command: 'x', restart: 'sometimes' } } }, `key 'dev.web.restart': Invalid option: expected one of "always"|"on-failure"|"never", got "sometimes"`],
    [{ dev: { web: { command: 'x', port: '3000' } } }, "key 'dev.web.port': Invalid input: expected number, received string"],
    [{ dev: { web: { command: 'x', portRange: [4000, 3000] } } }, "key 'dev.web.portRange': the first port of the range must not be above the second"],
    [{ defaults: { timeout: 'soon' } }, `key 'defaults.timeout': expected a duration like 500ms, 30s, 10m or 2h, got "soon"`],
    [{ defaults: { maxMemory: 12 } }, "key 'defaults.maxMemory': Invalid input: expected string, received number"],
    [{ redisUrl: 'redis://x', bogus: true }, "key 'bogus': unknown key"],
  ])('%j is refused on load, naming the key and what was expected (exit 1, one line)', async (config, message) => {
    const file = join(dir.path, 'kingly.config.json');
    writeFileSync(file, JSON.stringify(config));
    for (const args of [['jobs'], ['status'], ['dev', 'status'], ['run', 'true']]) {
      const result = await kingly(args, env, { cwd: dir.path });
      expect(result.exitCode, args.join(' ')).toBe(1);
      expect(lines(result.stderr)).toEqual([expect.stringContaining(`kingly: ${file}: ${message}`)]);
    }
  });

  it('a valid file with dev and defaults is accepted', async () => {
    writeFileSync(
      join(dir.path, 'kingly.config.json'),
      JSON.stringify({
        $schema: './node_modules/@kingly/cmd/kingly.config.schema.json',
        defaults: { timeout: '10m', maxMemory: '512M' },
        dev: { web: { command: 'npm run dev', cwd: '.', env: { A: 'b' }, port: 3000, portRange: [3000, 3010], restart: 'always', maxRestarts: 3, restartDelay: '2s' } },
      }),
    );
    const result = await kingly(['jobs', '--json'], env, { cwd: dir.path });
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it('the JSON schema shipped with @kingly/cmd is the one the zod schema makes (regenerate: npm run schema -w @kingly/cmd)', () => {
    const require = createRequire(import.meta.url);
    const shipped = readFileSync(require.resolve('@kingly/cmd/kingly.config.schema.json'), 'utf8');
    expect(shipped).toBe(configJsonSchemaText());
    const schema = JSON.parse(shipped) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['redisUrl', 'queue', 'prefix', 'home', 'worktree', 'defaults', 'dev']));
    expect(schema.additionalProperties).toBe(false);
  });
});
