import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@kingly/testing';
import { withRepoLock } from '../src/worktree/index.js';
import { exited } from './harness.js';

// The per-repository lock, across real processes (the built module, as another worker runs it).
const LOCK_MODULE = fileURLToPath(new URL('../dist/worktree/repo-lock.js', import.meta.url));

function lockProcess(script: string): { child: ChildProcess; output: () => string } {
  const code = `import(${JSON.stringify(LOCK_MODULE)}).then(async ({ withRepoLock }) => { ${script} }).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

/** Read, yield, write: loses updates unless the lock serializes every holder. */
const INCREMENT = (counter: string): string =>
  `const fs = await import('node:fs/promises'); const n = Number(await fs.readFile(${JSON.stringify(counter)}, 'utf8')); await new Promise((r) => setTimeout(r, 2)); await fs.writeFile(${JSON.stringify(counter)}, String(n + 1));`;

describe('repository lock', () => {
  let tmp: { path: string; remove: () => void };
  let lockPath: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    tmp = tempDir('kingly-lock');
    lockPath = join(tmp.path, 'repo.lock');
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    tmp.remove();
  });

  it('lets one holder at a time in, across processes and within one', async () => {
    const counter = join(tmp.path, 'counter');
    writeFileSync(counter, '0');
    const loop = `for (let i = 0; i < 15; i++) await withRepoLock(${JSON.stringify(lockPath)}, async () => { ${INCREMENT(counter)} });`;
    const procs = [lockProcess(loop), lockProcess(loop)];
    children.push(...procs.map((p) => p.child));
    const increment = async (): Promise<void> => {
      const n = Number(readFileSync(counter, 'utf8'));
      await new Promise((resolve) => setTimeout(resolve, 2));
      writeFileSync(counter, String(n + 1));
    };
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let i = 0; i < 10; i++) await withRepoLock(lockPath, increment);
    }));
    const codes = await Promise.all(procs.map((p) => exited(p.child)));
    expect(codes, procs.map((p) => p.output()).join('\n')).toEqual([0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe(String(2 * 15 + 3 * 10));
    expect(existsSync(lockPath)).toBe(false);
  }, 60_000);

  it('is taken over from a holder that died holding it', async () => {
    const holder = lockProcess(`await withRepoLock(${JSON.stringify(lockPath)}, async () => { console.log('held'); await new Promise(() => setInterval(() => {}, 1000)); });`);
    children.push(holder.child);
    await waitFor(() => holder.output().includes('held'), { message: 'the other process to hold the lock' });
    let waitingFor: string | undefined;
    let got = false;
    const acquired = withRepoLock(lockPath, async () => void (got = true), { onWait: (h) => (waitingFor = h) });
    await waitFor(() => waitingFor, { message: 'this process to wait for the lock' });
    expect(waitingFor).toContain(`pid ${holder.child.pid} on `);
    expect(got).toBe(false);
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    await acquired;
    expect(got).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('gives up after its timeout, naming the holder', async () => {
    const holder = lockProcess(`await withRepoLock(${JSON.stringify(lockPath)}, async () => { console.log('held'); await new Promise(() => setInterval(() => {}, 1000)); });`);
    children.push(holder.child);
    await waitFor(() => holder.output().includes('held'), { message: 'the other process to hold the lock' });
    await expect(withRepoLock(lockPath, async () => { /* never runs: the lock is held */ }, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_LOCK_TIMEOUT',
      message: expect.stringContaining(`held by pid ${holder.child.pid}`),
    });
  });
});
