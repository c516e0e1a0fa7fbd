import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from '@kingly/testing';
import { KINGLY_BIN, kingly, workerForFile } from './helpers.js';

// `dev logs -f` is one log across `dev restart` and `dev stop`/`start`; a stop is not a failure.
const { env } = workerForFile('dev-follow', ['--concurrency', '4']);
const root = tempDir('kingly-cli-dev-follow');

/** A server on $PORT that says which job it is. */
const SERVER = `require('node:net').createServer((s) => s.end('hi')).listen(process.env.PORT, () => console.log('listening as ' + process.env.KINGLY_JOB_ID));\n`;

afterAll(async () => {
  await kingly(['dev', 'stop', '--grace', '1s'], env, { cwd: join(root.path, 'app') }).catch(() => undefined);
  root.remove();
}, 60_000);

const jobIdOf = (stdout: string): string => /job (\S+?)[,:)]/.exec(stdout)![1]!;

describe('kingly dev logs -f', () => {
  it('follows across dev restart and dev stop/start until Ctrl-C; a stopped server is not a recent failure', async () => {
    const dir = join(root.path, 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'server.js'), SERVER);
    writeFileSync(join(dir, 'kingly.config.json'), JSON.stringify({ dev: { web: { command: 'node server.js', port: await freePort() } } }));

    const start = await kingly(['dev', 'start'], env, { cwd: dir });
    expect(start.exitCode, start.stderr).toBe(0);
    const first = jobIdOf(start.stdout);

    const follower = execa(process.execPath, [KINGLY_BIN, 'dev', 'logs', '-f'], { env, extendEnv: false, cwd: dir, reject: false });
    let out = '';
    let err = '';
    follower.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    follower.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const shows = (id: string): Promise<unknown> =>
        waitFor(() => out.includes(`listening as ${id}\n`), { timeoutMs: 30_000, message: `dev logs -f to print job ${id}'s first line` }).catch((error: Error) => {
          throw new Error(`${error.message}; it printed: ${out}; on stderr: ${err}`);
        });
      await shows(first);

      const restart = await kingly(['dev', 'restart'], env, { cwd: dir });
      expect(restart.exitCode, restart.stderr).toBe(0);
      const second = jobIdOf(restart.stdout.split('\n').find((l) => l.includes('started'))!);
      expect(second).not.toBe(first);
      await shows(second);

      expect((await kingly(['dev', 'stop'], env, { cwd: dir })).exitCode).toBe(0);
      const again = await kingly(['dev', 'start'], env, { cwd: dir });
      const third = jobIdOf(again.stdout);
      await shows(third);
      expect(follower.exitCode).toBeNull();
      expect(err).toContain(`[kingly] dev server 'web' runs again as job ${third}`);

      const status = JSON.parse((await kingly(['status', '--json'], env)).stdout) as { recentFailures: Array<{ id: string }> };
      expect(status.recentFailures.map((r) => r.id)).not.toContain(first);
      expect(status.recentFailures.map((r) => r.id)).not.toContain(second);
      expect((await kingly(['status'], env)).stdout).not.toContain('recent failures');
    } finally {
      follower.kill('SIGINT');
    }
    expect((await follower).exitCode).toBe(130);
  }, 180_000);
});
