import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { lastPid, readProcsAfter } from '../src/proc-table.js';

// readProcsAfter is the leftover check of every short job: it lists /proc, or, when few pids were
// handed out since, opens each of them. Both must find the same processes.
describe('readProcsAfter', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  const start = async (): Promise<number> => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    return child.pid!;
  };

  it('finds the processes started after a pid, by listing /proc or by opening each pid, and skips what it is told to', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    // Pids rise: a few apart here (other tests may start processes meanwhile), well under the
    // range where opening each pid is chosen over listing /proc.
    const [before, newest] = [a - 1, c];
    expect(newest - before).toBeLessThan(64);
    expect(lastPid()).toBeGreaterThanOrEqual(c);
    const listed = readProcsAfter(before).map((p) => p.pid);
    const probed = readProcsAfter(before, () => false, newest).map((p) => p.pid);
    for (const pid of [a, b, c]) {
      expect(listed).toContain(pid);
      expect(probed).toContain(pid);
    }
    // Pids at or below the one given are never read, whichever way.
    expect(readProcsAfter(a, () => false, newest).map((p) => p.pid)).not.toContain(a);
    expect(readProcsAfter(a).map((p) => p.pid)).not.toContain(a);
    const skipped = readProcsAfter(before, (pid) => pid === b, newest).map((p) => p.pid);
    expect(skipped).toContain(a);
    expect(skipped).not.toContain(b);
    expect(readProcsAfter(before, (pid) => pid === b).map((p) => p.pid)).not.toContain(b);
  });

  it('a process that has exited is not found', async () => {
    const pid = await start();
    const before = pid - 1;
    process.kill(pid, 'SIGKILL');
    await once(children.at(-1)!, 'exit');
    expect(readProcsAfter(before, () => false, pid).map((p) => p.pid)).not.toContain(pid);
    expect(readProcsAfter(before).map((p) => p.pid)).not.toContain(pid);
  });
});
