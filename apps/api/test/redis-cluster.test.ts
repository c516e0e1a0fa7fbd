import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, tempDir, uniqueName, type TestRedisCluster } from '@kingly/testing';
import { fixturePath, startLiveApi, TOKEN, type LiveApi } from './harness.js';
import { openEventStream, type ReceivedEvent } from './sse-client.js';

// The API and an in-process worker (createWorker) on a real 3-master Redis Cluster: the API's
// client, its events reader, the live samples (BullMQ QueueEvents on a Cluster connection of its
// own), Bull Board's queues and a cancel through the control channel.
describe('the API on a Redis Cluster (redis+cluster://)', () => {
  const prefix = `{${uniqueName('api-cluster')}}`;
  const dir = tempDir('kingly-api-cluster');
  const auth = { authorization: `Bearer ${TOKEN}` };
  let cluster: TestRedisCluster;
  let live: LiveApi;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    live = await startLiveApi(cluster.url, prefix, { sampleIntervalMs: 250 });
  }, 120_000);
  afterAll(async () => {
    await live?.close();
    await cluster?.stop();
    dir.remove();
  }, 60_000);

  const data = (e: ReceivedEvent) => JSON.parse(e.data) as Record<string, unknown>;

  it('POST a job, stream its lifecycle and samples, read it, its log and the board, cancel it', async () => {
    const { server } = live;
    const stream = await openEventStream(`${server.url}/api/events?include=samples,workers`, auth);
    expect(stream.status).toBe(200);
    await stream.until((e) => e.event === 'ready', 'the ready event');
    const posted = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ command: `echo hello; node ${fixturePath('gated.cjs')}`, env: { BURN: '1', GATE: join(dir.path, 'never') } }),
    });
    expect(posted.status, await posted.clone().text()).toBe(201);
    const { id } = (await posted.json()) as { id: string };
    const lifecycle = (type: string) => (e: ReceivedEvent) => e.event === 'lifecycle' && data(e).jobId === id && data(e).type === type;
    await stream.until(lifecycle('started'), 'the started event');
    await stream.until((e) => e.event === 'sample' && data(e).jobId === id, 'a live sample of the job');
    const job = await fetch(`${server.url}/api/jobs/${id}`, { headers: auth });
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ id, state: 'running' });
    const logs = await fetch(`${server.url}/api/jobs/${id}/logs?follow=false`, { headers: auth });
    expect(logs.status).toBe(200);
    expect(await logs.text()).toContain('hello');
    const board = await fetch(`${server.url}/board/api/queues`, { headers: auth });
    expect(board.status).toBe(200);
    const kill = await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE', headers: auth });
    expect(kill.status).toBe(202);
    const finished = await stream.until(lifecycle('finished'), 'the finished event');
    expect(data(finished.at(-1)!)).toMatchObject({ jobId: id, state: 'cancelled' });
    stream.close();
  }, 120_000);
});
