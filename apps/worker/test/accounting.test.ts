import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@kingly/testing';
import { procAccounting } from '../src/accounting/proc-backend.js';
import { PAGE_SIZE } from '../src/accounting/proc-stat.js';
import { psAccounting } from '../src/accounting/ps-backend.js';
import { CPU_UNITS_PER_SECOND } from '../src/accounting/types.js';

// Both backends answer the same questions about the same real processes; the worker's tracking,
// kill and limit tests run over each (KINGLY_ACCOUNTING=ps in CI).
describe.each([procAccounting, psAccounting])('accounting backend $kind', (backend) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  const start = async (env: NodeJS.ProcessEnv = {}): Promise<number> => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore', env: { ...process.env, ...env } });
    children.push(child);
    await once(child, 'spawn');
    return child.pid!;
  };

  it('finds the processes started after a pid (listing, or opening each pid) and skips what it is told to', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    const [before, newest] = [a - 1, c];
    const listed = (await backend.procsAfter(before, () => false)).map((p) => p.pid);
    const probed = (await backend.procsAfter(before, () => false, newest)).map((p) => p.pid);
    for (const pid of [a, b, c]) {
      expect(listed).toContain(pid);
      expect(probed).toContain(pid);
    }
    if (backend.kind === 'proc') expect(backend.lastPid()).toBeGreaterThanOrEqual(c);
    expect((await backend.procsAfter(a, () => false, newest)).map((p) => p.pid)).not.toContain(a);
    const skipped = (await backend.procsAfter(before, (pid) => pid === b, newest)).map((p) => p.pid);
    expect(skipped).toContain(a);
    expect(skipped).not.toContain(b);
  });

  it('reads a process: parent, group, start time (stable), memory, and its job marker', async () => {
    const pid = await start({ KINGLY_TEST_MARKER: 'job-42' });
    // 'spawn' can come while the kernel still sets up the new program's memory (RSS reads 0 then).
    const info = await waitFor(async () => {
      const read = await backend.proc(pid);
      return read && read.rssBytes > 0 ? read : undefined;
    }, { timeoutMs: 10_000, message: `process ${pid} to show its memory` });
    expect(info).toMatchObject({ pid, ppid: process.pid, zombie: false });
    expect(info!.pgid).toBe(Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim()));
    expect(info!.rssBytes).toBeGreaterThan(0);
    expect(backend.startTimeSync(pid)).toBe(info!.startTime);
    expect((await backend.table()).some((p) => p.pid === pid && p.startTime === info!.startTime)).toBe(true);
    const markers = await backend.envMarkers([pid, process.pid], 'KINGLY_TEST_MARKER');
    expect(markers.get(pid)).toBe('job-42');
    expect(markers.has(process.pid)).toBe(false);
  });

  it('a process that has exited is not found', async () => {
    const pid = await start();
    process.kill(pid, 'SIGKILL');
    await once(children.at(-1)!, 'exit');
    expect(await backend.proc(pid)).toBeUndefined();
    expect(backend.startTimeSync(pid)).toBeNull();
    expect((await backend.procsAfter(pid - 1, () => false, pid)).map((p) => p.pid)).not.toContain(pid);
  });
});

describe('the /proc backend', () => {
  it('uses the kernel page size (not a constant 4096), so RSS agrees with ps on any page size', async () => {
    expect(PAGE_SIZE).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()));
    const [fromProc, fromPs] = [await procAccounting.proc(process.pid), await psAccounting.proc(process.pid)];
    // The same process read twice: RSS moves a little in between, never by a page-size factor.
    expect(fromProc!.rssBytes / fromPs!.rssBytes).toBeGreaterThan(0.5);
    expect(fromProc!.rssBytes / fromPs!.rssBytes).toBeLessThan(2);
    // CPU time in the same unit: ps counts whole seconds, so within one second plus what passed.
    expect(Math.abs(fromProc!.cpuTicks - fromPs!.cpuTicks)).toBeLessThan(2 * CPU_UNITS_PER_SECOND);
  });
});
