import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent } from '@kingly/cmd';
import { pidsWithEnv, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '../src/create-worker.js';
import { ACCOUNTING, createHarness, type Harness } from './harness.js';

/**
 * A TCP hop to Redis that can be cut as a partition cuts a link: bytes either way are held, not
 * refused (no connection sees an error), and delivered in order when the link comes back.
 */
class CuttableLink {
  readonly #server: Server;
  readonly #pairs = new Set<{ held: Array<[Socket, Buffer]>; ends: [Socket, Socket] }>();
  #cut = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async open(redisUrl: string): Promise<{ link: CuttableLink; url: string }> {
    const target = new URL(redisUrl);
    const server = createServer();
    const link = new CuttableLink(server);
    server.on('connection', (client) => {
      const upstream = target.protocol === 'unix:' ? connect(target.pathname) : connect(Number(target.port), target.hostname);
      const pair = { held: [] as Array<[Socket, Buffer]>, ends: [client, upstream] as [Socket, Socket] };
      link.#pairs.add(pair);
      const forward = (to: Socket) => (chunk: Buffer) => {
        if (link.#cut) pair.held.push([to, chunk]);
        else to.write(chunk);
      };
      client.on('data', forward(upstream));
      upstream.on('data', forward(client));
      const close = (): void => {
        link.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { link, url: `redis://127.0.0.1:${port}` };
  }

  cut(): void {
    this.#cut = true;
  }

  heal(): void {
    this.#cut = false;
    for (const pair of this.#pairs) for (const [to, chunk] of pair.held.splice(0)) to.write(chunk);
  }

  async close(): Promise<void> {
    this.heal();
    for (const pair of this.#pairs) for (const end of pair.ends) end.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

// Short heartbeats and locks: the partitioned worker is taken for dead, and fences itself, in seconds.
const fast = { heartbeatMs: 300, reapIntervalMs: 300, lockDurationMs: 1500, shutdownGraceMs: 1000 };

describe('fencing with retries', () => {
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    h = createHarness('fenced-retry');
    dir = mkdtempSync(join(tmpdir(), 'kingly-fenced-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job with attempts left whose worker is cut off runs its retry once elsewhere, and its record ends once', async () => {
    const { link, url } = await CuttableLink.open(h.redisUrl);
    let cutOff: KinglyWorker | undefined;
    try {
      cutOff = await createWorker({ redisUrl: url, prefix: h.prefix, concurrency: 2, ...ACCOUNTING, ...fast });
      const runs = join(dir, 'runs');
      const gate = join(dir, 'gate');
      writeFileSync(runs, '');
      // Each attempt notes itself, then waits for the gate.
      const { id } = await h.client.enqueue({ command: `echo "$KINGLY_JOB_ID" >> ${runs}; while [ ! -e ${gate} ]; do sleep 0.05; done`, attempts: 2 });
      const first = await waitFor(async () => {
        const r = await h.client.getJob(id);
        return r.state === 'running' && r.pid !== null ? r : undefined;
      }, { timeoutMs: 20_000, message: 'attempt 1 to run on the worker behind the link' });
      expect(first.workerId).toBe(cutOff.id);
      const other = await h.startWorker(fast);
      link.cut();
      // The other worker's reaper takes the silent one for dead and retries the job; the silent
      // one ends its own process once its heartbeat has surely expired (fencing).
      const second = await waitFor(async () => {
        const r = await h.client.getJob(id);
        return r.state === 'running' && r.attempt === 2 && r.pid !== null ? r : undefined;
      }, { timeoutMs: 30_000, message: 'attempt 2 to run on the other worker' });
      expect(second.workerId).toBe(other.id);
      await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).every((pid) => pid !== first.pid) && cutOff!.running.size === 0, {
        timeoutMs: 20_000,
        message: 'the cut-off worker to end attempt 1 itself',
      });
      link.heal();
      // What the cut-off worker wrote while cut off lands now, before its next beat (one connection).
      const cutOffId = cutOff.id;
      await waitFor(async () => (await h.client.listWorkers()).some((w) => w.id === cutOffId && w.alive), { timeoutMs: 20_000, message: 'the cut-off worker to beat again' });
      // Its late writes about attempt 1 change nothing of attempt 2.
      expect(await h.client.getJob(id)).toMatchObject({ state: 'running', attempt: 2, workerId: other.id });
      appendFileSync(gate, '');
      const done = await h.client.waitForJob(id, { timeoutMs: 20_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2, workerId: other.id });
      expect(readFileSync(runs, 'utf8').trim().split('\n'), 'runs of the command').toEqual([id, id]);
      const redis = await h.client.redis();
      const entries = (await redis.xrange(h.client.keys.events, '-', '+')) as Array<[string, string[]]>;
      const finished = entries.map(([eventId, fields]) => parseEvent(eventId, fields)).filter((e) => e.jobId === id && e.type === 'finished');
      expect(finished.map((e) => e.state)).toEqual(['succeeded']);
    } finally {
      await cutOff?.close();
      await link.close();
    }
  }, 120_000);
});
