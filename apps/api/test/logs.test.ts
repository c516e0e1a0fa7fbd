import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';
import type { KinglyWorker } from '@kingly/worker';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { fixturePath, startLiveApi, TOKEN, waitForState, type LiveApi } from './harness.js';
import { openEventStream, type ReceivedEvent } from './sse-client.js';

const lineOf = (e: ReceivedEvent): string => (JSON.parse(e.data) as { line: string }).line;

describe('job logs over a real socket (JSON pages and SSE)', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-logs');
  const dir = tempDir('kingly-api-logs');
  const auth = { authorization: `Bearer ${TOKEN}` };
  let server: ApiServer;
  let worker: KinglyWorker;
  let client: KinglyClient;
  let live: LiveApi;

  beforeAll(async () => {
    live = await startLiveApi(redisUrl, prefix, { concurrency: 3 });
    ({ server, worker, client } = live);
  });
  afterAll(async () => {
    await live.close();
    dir.remove();
  });

  const enqueueGated = async (name: string, extra: Record<string, string> = {}) => {
    const gate = join(dir.path, `${name}-1`);
    const gate2 = join(dir.path, `${name}-2`);
    const res = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ command: `node ${fixturePath('gated.cjs')}`, env: { GATE: gate, GATE2: gate2, ...extra } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    return { id, open: (n: 1 | 2) => writeFileSync(n === 1 ? gate : gate2, '') };
  };

  it('follows a running job: lines arrive while it runs, then one end event, then the stream closes', async () => {
    const job = await enqueueGated('follow');
    const stream = await openEventStream(`${server.url}/api/jobs/${job.id}/logs`, auth);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    const first = await stream.until((e) => e.event === 'log', 'the first line');
    expect(lineOf(first.at(-1)!)).toBe('started');
    expect(first.at(-1)!.id).toMatch(/^\d+-\d+$/);
    expect((await client.getJob(job.id)).state).toBe('running');

    job.open(1);
    const second = await stream.until((e) => e.event === 'log', 'the gate line');
    expect(lineOf(second.at(-1)!)).toBe('gate opened');
    expect((await client.getJob(job.id)).state).toBe('running');

    job.open(2);
    const rest = await stream.until((e) => e.event === 'end', 'the end event');
    expect(rest.filter((e) => e.event === 'log').map(lineOf)).toEqual(['second gate opened']);
    expect(JSON.parse(rest.at(-1)!.data)).toMatchObject({ id: job.id, state: 'succeeded', exitCode: 0 });
    expect(await stream.next()).toBeUndefined();

    // Resuming with Last-Event-ID gives only what came after it, then the end.
    const resumed = await openEventStream(`${server.url}/api/jobs/${job.id}/logs?follow=1`, { ...auth, 'last-event-id': first.at(-1)!.id! });
    const after = await resumed.until((e) => e.event === 'end', 'the end of the resumed stream');
    expect(after.filter((e) => e.event === 'log').map(lineOf)).toEqual(['gate opened', 'second gate opened']);
    expect(await resumed.next()).toBeUndefined();

    // tail=1 starts with the last line.
    const tail = await openEventStream(`${server.url}/api/jobs/${job.id}/logs?follow=1&tail=1`, auth);
    const tailed = await tail.until((e) => e.event === 'end', 'the end of the tailed stream');
    expect(tailed.filter((e) => e.event === 'log').map(lineOf)).toEqual(['second gate opened']);
  });

  it('pages through a log as JSON with from and limit', async () => {
    const res = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2' }),
    });
    const { id } = (await res.json()) as { id: string };
    await waitForState(client, id, ['succeeded']);
    const page1 = (await (await fetch(`${server.url}/api/jobs/${id}/logs?limit=4`, { headers: auth })).json()) as {
      entries: Array<{ id: string; line: string; stream: string }>;
      next: string;
      ended: boolean;
    };
    expect(page1.entries.map((e) => e.line)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(page1.ended).toBe(false);
    expect(page1.next).toBe(page1.entries[3]!.id);
    const page2 = (await (await fetch(`${server.url}/api/jobs/${id}/logs?limit=4&from=${page1.next}`, { headers: auth })).json()) as typeof page1;
    expect(page2.entries.map((e) => [e.stream, e.line])).toEqual([
      ['stdout', 'line 5'],
      ['stderr', 'oops'],
    ]);
    expect(page2.ended).toBe(true);
  });

  it('refuses an event stream without the token', async () => {
    const stream = await openEventStream(`${server.url}/api/jobs/whatever/logs`);
    expect(stream.status).toBe(401);
    expect(stream.contentType).toMatch(/^application\/json/);
    stream.close();
  });

  it('a client that goes away stops the follow; closing the server ends open streams', async () => {
    const job = await enqueueGated('leave', { STAY: '1' });
    const early = await openEventStream(`${server.url}/api/jobs/${job.id}/logs`, auth);
    await early.until((e) => e.event === 'log', 'the first line');
    early.close();

    // A second server on the same Redis, closed while a stream is open: close() must not hang.
    const other = await startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port: 0 });
    const open = await openEventStream(`${other.url}/api/jobs/${job.id}/logs`, auth);
    await open.until((e) => e.event === 'log', 'the first line from the second server');
    await other.close();
    const leftover: ReceivedEvent[] = [];
    for (let e = await open.next(); e; e = await open.next()) leftover.push(e);
    expect(leftover.map((e) => e.event)).not.toContain('end');

    const kill = await fetch(`${server.url}/api/jobs/${job.id}`, { method: 'DELETE', headers: auth });
    expect(kill.status).toBe(202);
    await waitForState(client, job.id, ['cancelled']);
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', job.id).length === 0, { message: `job ${job.id}'s processes to be gone` });
  });
});
