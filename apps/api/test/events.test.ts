import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KinglyClient } from '@kingly/cmd';
import { pidsWithEnv, tempDir, uniqueName } from '@kingly/testing';
import type { KinglyWorker } from '@kingly/worker';
import type { ApiServer } from '../dist/index.js';
import { fixturePath, startLiveApi, TOKEN, waitForState, type LiveApi } from './harness.js';
import { openEventStream, type ReceivedEvent } from './sse-client.js';

describe('GET /api/events (SSE): lifecycle, samples and workers', () => {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName('api-events');
  const dir = tempDir('kingly-api-events');
  const auth = { authorization: `Bearer ${TOKEN}` };
  let server: ApiServer;
  let worker: KinglyWorker;
  let client: KinglyClient;
  let live: LiveApi;

  beforeAll(async () => {
    live = await startLiveApi(redisUrl, prefix, { sampleIntervalMs: 250 });
    ({ server, worker, client } = live);
  });
  afterAll(async () => {
    await live.close();
    dir.remove();
  });

  const data = (e: ReceivedEvent) => JSON.parse(e.data) as Record<string, unknown>;

  it('streams a job from queued to finished with its live CPU and RSS, and the worker list', async () => {
    const stream = await openEventStream(`${server.url}/api/events?include=samples,workers`, auth);
    expect(stream.status).toBe(200);
    const [ready] = await stream.until((e) => e.event === 'ready', 'the ready event');
    expect(data(ready!).since).toMatch(/^(0|\d+-\d+)$/);
    const workers = await stream.until((e) => e.event === 'workers', 'the worker list');
    expect((JSON.parse(workers.at(-1)!.data) as Array<{ id: string; alive: boolean }>).find((w) => w.id === worker.id)).toMatchObject({ alive: true });

    const { id } = await client.enqueue({ command: `node ${fixturePath('gated.cjs')}`, env: { BURN: '1', GATE: join(dir.path, 'never') } });
    const lifecycle = (type: string) => (e: ReceivedEvent) => e.event === 'lifecycle' && data(e).jobId === id && data(e).type === type;
    const queued = await stream.until(lifecycle('queued'), 'the queued event');
    expect(queued.at(-1)!.id).toMatch(/^\d+-\d+$/);
    await stream.until(lifecycle('started'), 'the started event');
    const record = await client.getJob(id);
    const samples = await stream.until(
      (e) => e.event === 'sample' && data(e).jobId === id && (data(e).cpuPercent as number) > 20,
      'a sample showing the burner using CPU',
    );
    const sample = data(samples.at(-1)!);
    expect(sample).toMatchObject({ jobId: id, queue: 'commands', pid: record.pid });
    expect(sample.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(sample.processCount).toBeGreaterThanOrEqual(1);

    const kill = await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE', headers: auth });
    expect(kill.status).toBe(202);
    const finished = await stream.until(lifecycle('finished'), 'the finished event');
    expect(data(finished.at(-1)!)).toMatchObject({ jobId: id, state: 'cancelled', record: { id, state: 'cancelled' } });
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    stream.close();

    // Last-Event-ID resumes after the queued event: started and finished follow, nothing before.
    const resumed = await openEventStream(`${server.url}/api/events`, { ...auth, 'last-event-id': queued.at(-1)!.id! });
    const replay = await resumed.until(lifecycle('finished'), 'the replayed finished event');
    const types = replay.filter((e) => e.event === 'lifecycle' && data(e).jobId === id).map((e) => data(e).type);
    expect(types).toEqual(['started', 'finished']);
    expect(replay.some((e) => e.event === 'sample' || e.event === 'workers')).toBe(false);
    resumed.close();
  });

  it('since=0 replays every kept event; a bad include is a 400 naming it', async () => {
    const { id } = await client.enqueue({ command: 'true' });
    await waitForState(client, id, ['succeeded']);
    const replay = await openEventStream(`${server.url}/api/events?since=0`, auth);
    const seen = await replay.until((e) => e.event === 'lifecycle' && data(e).jobId === id && data(e).type === 'finished', 'the replay of the job');
    expect(seen.filter((e) => e.event === 'lifecycle' && data(e).jobId === id).map((e) => data(e).type)).toEqual(['queued', 'started', 'finished']);
    replay.close();

    const bad = await fetch(`${server.url}/api/events?include=samples,gossip`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(/^query parameter include: must match pattern/) });
  });
});
