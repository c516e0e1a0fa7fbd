import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { documentedAclRules, startRedisServer, takeAclRefusals, tempDir, waitFor, type TestRedis } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '@kingly/worker';
import { startApiServer, type ApiServer } from '../dist/index.js';
import { TOKEN } from './harness.js';
import { openEventStream } from './sse-client.js';

/**
 * The API logged in to Redis as the read-only user of docs/scaling.md (a dashboard): every GET
 * route answers as it does for an admin, and enqueue and kill are refused with a clear error
 * while the server goes on answering.
 */
describe('the API as a read-only Redis user', () => {
  const dir = tempDir('kingly-api-acl');
  let redis: TestRedis;
  let rootConnection: Redis;
  let admin: KinglyClient;
  let worker: KinglyWorker;
  let server: ApiServer;
  let finished: string;
  let running: string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers: { ...auth, ...headers } });
  const refused = () => takeAclRefusals(rootConnection);

  beforeAll(async () => {
    redis = await startRedisServer({ password: 'admin-secret' });
    rootConnection = new Redis(`redis://:admin-secret@127.0.0.1:${redis.port}`);
    await rootConnection.call('ACL', 'SETUSER', 'dashboard', ...documentedAclRules('dashboard', 'read-secret'));
    admin = new KinglyClient({ redisUrl: redis.url });
    worker = await createWorker({ redisUrl: redis.url, concurrency: 2, shutdownGraceMs: 1000, sampleIntervalMs: 200 });
    finished = (await admin.enqueue({ command: 'echo read me; echo and me', cwd: dir.path })).id;
    await admin.waitForJob(finished, { timeoutMs: 30_000 });
    running = (await admin.enqueue({ command: 'echo still going; sleep 300', cwd: dir.path })).id;
    await waitFor(async () => (await admin.getJob(running)).state === 'running', { timeoutMs: 30_000, message: `job ${running} to run` });
    server = await startApiServer({ redisUrl: `redis://dashboard:read-secret@127.0.0.1:${redis.port}`, token: TOKEN, host: '127.0.0.1', port: 0, defaultCwd: dir.path });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await admin?.cancel(running, { graceMs: 500 }).catch(() => undefined);
    await worker?.close();
    await admin?.close();
    rootConnection?.disconnect();
    await redis?.stop();
    dir.remove();
  }, 60_000);

  it('answers every GET route: jobs, a job, its logs (JSON and SSE), samples, status, workers, metrics, board, live page', async () => {
    const jobs = await get('/api/jobs');
    expect(jobs.status, await jobs.clone().text()).toBe(200);
    expect(JSON.stringify(await jobs.json())).toContain(finished);
    const job = await get(`/api/jobs/${running}`);
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ id: running, state: 'running' });
    const logs = await get(`/api/jobs/${finished}/logs`);
    expect(logs.status).toBe(200);
    expect(JSON.stringify(await logs.json())).toContain('and me');
    const stream = await openEventStream(`${server.url}/api/jobs/${finished}/logs`, auth);
    expect(stream.status).toBe(200);
    const events = await stream.until((e) => e.event === 'end', 'the end of the finished log');
    expect(events.filter((e) => e.event === 'log').map((e) => (JSON.parse(e.data) as { line: string }).line)).toEqual(['read me', 'and me']);
    const live = await openEventStream(`${server.url}/api/jobs/${running}/logs`, auth);
    await live.until((e) => e.event === 'log', 'the running job\'s first line');
    live.close();
    await waitFor(async () => ((await (await get(`/api/jobs/${running}/samples`)).json()) as { samples: unknown[] }).samples.length > 0, { timeoutMs: 20_000, message: 'samples of the running job' });

    const status = await get('/api/status');
    expect(status.status).toBe(200);
    expect(JSON.stringify(await status.json())).toContain(running);
    const workers = await get('/api/workers');
    expect(workers.status).toBe(200);
    expect(JSON.stringify(await workers.json())).toContain(worker.id);
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/kingly_/);
    const board = await get('/board', { accept: 'text/html' });
    expect(board.status).toBe(200);
    const queues = await get('/board/api/queues');
    expect(queues.status, await queues.clone().text()).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('commands');
    const page = await get('/', { accept: 'text/html' });
    expect(page.status).toBe(200);
    const lifecycle = await openEventStream(`${server.url}/api/events?include=samples,workers`, auth);
    expect(lifecycle.status).toBe(200);
    await lifecycle.until((e) => e.event === 'workers', 'the worker list on the events stream');
    lifecycle.close();
    // Nothing the API did for these reads (or in the background meanwhile) was refused, but for
    // BullMQ's Queue (opened for the board and the metrics) writing its version into the queue's
    // meta hash as it opens: BullMQ ignores that failure.
    expect((await refused()).filter((line) => !line.startsWith('dashboard: command hset '))).toEqual([]);
  }, 90_000);

  it('refuses enqueue and kill with a clear error, and goes on answering', async () => {
    const post = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'echo sneaky' }),
    });
    const posted = (await post.json()) as { code?: string; message?: string };
    expect(post.status, JSON.stringify(posted)).toBe(403);
    expect(posted.code).toBe('E_NO_PERMISSION');
    const kill = await fetch(`${server.url}/api/jobs/${running}`, { method: 'DELETE', headers: auth });
    const killed = (await kill.json()) as { code?: string };
    expect(kill.status, JSON.stringify(killed)).toBe(403);
    expect(killed.code).toBe('E_NO_PERMISSION');
    expect((await admin.getJob(running)).state).toBe('running');
    expect((await get('/api/status')).status).toBe(200);
    // Refused by Redis, not by the API: the rules are what stop the writes.
    expect((await refused()).length).toBeGreaterThan(0);
  }, 60_000);
});
