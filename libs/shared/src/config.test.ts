import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';

describe('config resolution', () => {
  const dirs: string[] = [];
  const project = (config?: unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kingly-config-'));
    dirs.push(dir);
    if (config !== undefined) writeFileSync(join(dir, 'kingly.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('uses defaults with nothing set', () => {
    const config = resolveConfig({ env: {}, cwd: project() });
    expect(config).toMatchObject({ redisUrl: undefined, queue: 'commands', prefix: 'kingly', configFile: undefined, apiPort: undefined });
    expect(config.home).toMatch(/\.kingly$/);
  });

  it('orders flag > environment > nearest kingly.config.json > defaults', () => {
    const dir = project({ redisUrl: 'redis://file:1', queue: 'fileq', prefix: 'filep', home: '/file/home', api: { port: 7100 } });
    const cwd = join(dir, 'sub', 'deeper');
    expect(resolveConfig({ env: {}, cwd })).toMatchObject({ redisUrl: 'redis://file:1', queue: 'fileq', prefix: 'filep', home: '/file/home', apiPort: 7100, configFile: join(dir, 'kingly.config.json') });
    const env = { KINGLY_REDIS_URL: 'redis://env:2', KINGLY_QUEUE: 'envq', KINGLY_PREFIX: 'envp', KINGLY_HOME: '/env/home' };
    expect(resolveConfig({ env, cwd })).toMatchObject({ redisUrl: 'redis://env:2', queue: 'envq', prefix: 'envp', home: '/env/home' });
    expect(resolveConfig({ env, cwd, flags: { redisUrl: 'redis://flag:3', queue: 'flagq' } })).toMatchObject({ redisUrl: 'redis://flag:3', queue: 'flagq', prefix: 'envp' });
  });

  it('names the bad key and the file', () => {
    const dir = project({ queue: 5 });
    expect(() => resolveConfig({ env: {}, cwd: dir })).toThrow(/kingly\.config\.json: key 'queue'/);
    const unknown = project({ qeue: 'x' });
    expect(() => resolveConfig({ env: {}, cwd: unknown })).toThrow(/qeue/);
    const broken = project('{ not json');
    expect(() => resolveConfig({ env: {}, cwd: broken })).toThrow(/is not valid JSON/);
  });
});
