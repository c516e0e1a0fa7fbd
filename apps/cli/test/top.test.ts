import { afterAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, waitFor } from '@kingly/testing';
import { KINGLY_BIN, workerForFile } from './helpers.js';
import { openTerminal, type Terminal } from './tmux.js';

/** An SGR sequence that sets a foreground colour (tmux capture-pane -e writes them). */
const COLOUR = /\u001b\[(?:\d+;)*(?:3[0-7]|9[0-7]|38)(?:;\d+)*m/;

// `kingly top` driven as a user would, in a real 80×24 terminal with NO_COLOR.
describe('kingly top', () => {
  const { env } = workerForFile('top', ['--concurrency', '2']);
  const client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
  let terminal: Terminal | undefined;
  afterAll(async () => {
    terminal?.close();
    await client.close();
  });

  it('lists running and finished jobs; Enter shows live output; k then y ends the job cancelled; r runs it again; q quits', { timeout: 180_000 }, async () => {
    const done = await client.enqueue({ command: 'echo done', name: 'quick' });
    expect((await client.waitForJob(done.id, { timeoutMs: 30_000 })).state).toBe('succeeded');
    const { id } = await client.enqueue({ command: 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done', name: 'ticker' });
    await waitFor(async () => (await client.getJob(id)).state === 'running', { timeoutMs: 30_000, message: 'the ticker to run' });

    const t = openTerminal(`${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)} top --interval 300ms`, { ...env, NO_COLOR: '1' }, { width: 80, height: 24 });
    terminal = t;
    const list = await t.waitFor(new RegExp(`> ${id} \\[ticker\\]`), 'the ticker selected under RUNNING');
    expect(list).toMatch(/^kingly top {2}workers 1\/1 · running 1 /);
    expect(list).toMatch(new RegExp(`${done.id} succeeded +0 `));
    const rows = list.split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(80);
    expect(t.screen(true)).not.toMatch(COLOUR);
    // The footer sits on the last row but one: nothing scrolled the screen.
    await t.waitFor(/\n↑↓ select {2}⏎ output {2}k kill {2}r restart {2}\/ filter {2}q quit$/, 'the key help at the bottom');

    t.keys('Enter');
    const output = await t.waitFor(/tick \d+\n/, "the ticker's output");
    expect(output).toContain(`output of ${id}  running (following)`);
    const newestTick = (screen: string): number => Math.max(...[...screen.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
    const seen = newestTick(output);
    await waitFor(() => newestTick(t.screen()) > seen, { timeoutMs: 30_000, message: `a tick after tick ${seen} (the output is live)` });

    t.keys('k');
    await t.waitFor(new RegExp(`Kill job ${id}\\? y/N`), 'the kill confirmation');
    t.keys('y');
    const record = await client.waitForJob(id, { timeoutMs: 30_000 });
    expect(record.state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    await t.waitFor(/cancelled \(log ended\)/, 'the output screen to show the end');

    t.keys('Escape');
    await t.waitFor(new RegExp(`${id} cancelled +SIGTERM`), 'the ticker under RECENT, cancelled');
    t.keys('r');
    await t.waitFor(new RegExp(`Restart job ${id}\\? y/N`), 'the restart confirmation');
    t.keys('y');
    const restarted = await t.waitFor(new RegExp(`job ${id} restarted as (\\S+)`), 'the restart message');
    const fresh = new RegExp(`job ${id} restarted as (\\S+)`).exec(restarted)![1]!;
    expect((await client.getJob(fresh)).command).toBe(record.command);
    await client.cancel(fresh);

    t.keys('q');
    await t.waitFor(/__SCRIPT_END__/, 'kingly top to exit');
    t.close();

    // Without NO_COLOR, states are coloured.
    const coloured = openTerminal(`${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)} top`, env, { width: 80, height: 24 });
    terminal = coloured;
    await coloured.waitFor(new RegExp(`${done.id} succeeded`), 'the finished job under RECENT');
    expect(coloured.screen(true)).toMatch(COLOUR);
    coloured.keys('q');
    await coloured.waitFor(/__SCRIPT_END__/, 'kingly top to exit');
  });
});
