import { execFile } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { tempDir, uniqueName } from '@kingly/testing';

// @kingly/cmd as someone outside the monorepo gets it: `npm pack` of the built package, installed
// from the tarball into a temp project (no workspace links), used by an ESM, a CommonJS, a
// TypeScript (node16, nodenext, bundler) and an esbuild-bundled program against the real Redis.

const run = promisify(execFile);
const SHARED = fileURLToPath(new URL('..', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CONSUMERS = join(SHARED, 'test', 'consumers');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** This process's environment without what `npm test` sets for npm (the workspace must not leak in). */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

describe('the packed @kingly/cmd', () => {
  const dir = tempDir('pack');
  const project = join(dir.path, 'project');
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('pack');
  const client = new KinglyClient({ redisUrl, prefix });
  let files: string[] = [];

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir.path], { cwd: SHARED, env: cleanEnv() });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info!.files.map((f) => f.path).sort();
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'kingly-consumer', private: true, type: 'module' }));
    for (const file of readdirSync(CONSUMERS)) cpSync(join(CONSUMERS, file), join(project, 'src', file));
    // bullmq, ioredis and zod come from the npm cache `npm ci` filled (the registry otherwise).
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', join(dir.path, info!.filename)], { cwd: project, env: cleanEnv() });
  }, 120_000);
  afterAll(async () => {
    await client.close();
    dir.remove();
  });

  /** Runs one consumer program; checks the job it enqueued is in Redis under its name. */
  async function consume(label: string, args: string[], cwd = project): Promise<void> {
    const name = `consumer-${label}`;
    const { stdout } = await run(process.execPath, args, { cwd, env: { ...cleanEnv(), REDIS_URL: redisUrl, PREFIX: prefix, NAME: name } });
    const said = JSON.parse(stdout.trim()) as { id: string; state: string; name: string };
    expect(said, label).toMatchObject({ state: 'queued', name });
    expect(await client.getJob(said.id), label).toMatchObject({ id: said.id, name, state: 'queued' });
  }

  it('holds dist, README, LICENSE, package.json and the config schema; no tests, no sources', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'kingly.config.schema.json', 'dist/index.js', 'dist/index.d.ts', 'dist/lite.js', 'dist/lite.d.ts']));
    expect(files.filter((f) => !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(f))).toEqual(['LICENSE', 'README.md', 'kingly.config.schema.json', 'package.json']);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
  });

  it('is installed as files, not a link into the workspace; its source maps carry their sources', () => {
    const installed = join(project, 'node_modules', '@kingly', 'cmd');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    const map = JSON.parse(readFileSync(join(installed, 'dist', 'client', 'kingly-client.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent).toHaveLength(map.sources.length);
    expect(map.sourcesContent![0]).toContain('export class KinglyClient');
  });

  it('runs an ESM consumer', async () => {
    await consume('esm', [join(project, 'src', 'esm.mjs')]);
  });

  it('runs a CommonJS consumer: require(@kingly/cmd)', async () => {
    await consume('cjs', [join(project, 'src', 'cjs.cjs')]);
  });

  it.each([
    // The package's own .d.ts files (and its dependencies') are checked once, under nodenext: the
    // whole check takes ~10 s of CPU, and the other modes only differ in how they resolve.
    ['node16', { module: 'node16', moduleResolution: 'node16', skipLibCheck: true }, ['typed.ts']],
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false }, ['typed.ts', 'typed-cjs.cts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }, ['typed.ts']],
  ])('type-checks and runs a TypeScript consumer with moduleResolution %s', async (mode, options, sources) => {
    const outDir = join(project, `out-${mode}`);
    const tsconfig = join(project, `tsconfig.${mode}.json`);
    writeFileSync(tsconfig, JSON.stringify({
      compilerOptions: { ...options, target: 'es2022', strict: true, outDir, rootDir: 'src', types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')] },
      files: sources.map((s) => `src/${s}`),
    }));
    await run(process.execPath, [TSC, '-p', tsconfig], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc (${mode}) failed:\n${error.stdout ?? String(error)}`);
    });
    await consume(`ts-${mode}`, [join(outDir, 'typed.js')]);
    if (sources.includes('typed-cjs.cts')) await consume(`cts-${mode}`, [join(outDir, 'typed-cjs.cjs')]);
    // ~10 s of CPU, but minutes of wall time on two cores shared with a loaded machine (load 20: > 90 s).
  }, 300_000);

  it('runs an esbuild bundle of a consumer, away from node_modules', async () => {
    const bundleDir = join(dir.path, 'bundle');
    await build({
      entryPoints: [join(project, 'src', 'esm.mjs')],
      outfile: join(bundleDir, 'consumer.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      logLevel: 'silent',
    });
    await consume('esbuild', [join(bundleDir, 'consumer.cjs')], bundleDir);
  });
});
