import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName, waitFor } from '@kingly/testing';
import { KINGLY_BIN, kingly, workerForFile } from './helpers.js';

// Being told when jobs end: a fake notify-send on PATH writes each notification it is given to a file.
const { env } = workerForFile('notify', ['--concurrency', '4']);
const dir = tempDir('kingly-cli-notify');
afterAll(() => dir.remove());
const sent = join(dir.path, 'sent.txt');
writeFileSync(join(dir.path, 'notify-send'), `#!/bin/sh\nprintf '%s|' "$@" >> ${JSON.stringify(sent)}\necho >> ${JSON.stringify(sent)}\n`);
chmodSync(join(dir.path, 'notify-send'), 0o755);
const notifyEnv = { ...env, PATH: `${dir.path}:${process.env.PATH}` };

const notifications = (): string[] => (existsSync(sent) ? readFileSync(sent, 'utf8').split('\n').filter(Boolean) : []);
const toldAbout = (id: string): Promise<string> =>
  waitFor(() => notifications().find((n) => n.includes(`(job ${id})`)), { timeoutMs: 30_000, message: `a notification about job ${id}` });

describe('notifications', () => {
  it('run --notify: notify-send is called when the job ends, with its state and exit code', async () => {
    const name = uniqueName('e2e');
    const run = await kingly(['run', '--notify', '--name', name, 'exit 3'], notifyEnv);
    expect(run.exitCode, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(await toldAbout(id)).toMatch(new RegExp(`^--app-name=kingly\\|kingly: ${name} failed \\(exit 3\\)\\|exit 3 in \\S+ \\(job ${id}\\)\\|$`));
  });

  it('defaults.notify in kingly.config.json turns it on; --no-notify off', async () => {
    const project = join(dir.path, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'kingly.config.json'), JSON.stringify({ defaults: { notify: true } }));
    const on = (await kingly(['run', 'true'], notifyEnv, { cwd: project })).stdout.trim();
    expect(await toldAbout(on)).toContain('succeeded');
    const off = (await kingly(['run', '--no-notify', 'true'], notifyEnv, { cwd: project })).stdout.trim();
    const later = (await kingly(['run', '--notify', 'true'], notifyEnv, { cwd: project })).stdout.trim();
    await kingly(['wait', off], env);
    await toldAbout(later);
    expect(notifications().some((n) => n.includes(`(job ${off})`))).toBe(false);
  });

  it('notify --follow tells of every job that ends while it runs, until Ctrl-C', async () => {
    const follower = execa(process.execPath, [KINGLY_BIN, 'notify', '--follow'], { env: notifyEnv, extendEnv: false, reject: false });
    let err = '';
    follower.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(() => err.includes('notifying of every job'), { timeoutMs: 30_000, message: 'notify --follow to start' });
      const a = (await kingly(['run', 'true'], env)).stdout.trim();
      const b = (await kingly(['run', 'exit 1'], env)).stdout.trim();
      expect(await toldAbout(a)).toContain('succeeded');
      expect(await toldAbout(b)).toContain('failed (exit 1)');
    } finally {
      follower.kill('SIGINT');
    }
    expect((await follower).exitCode).toBe(130);
  }, 90_000);
});
