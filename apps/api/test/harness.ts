import { inject } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { KinglyClient } from '@kingly/cmd';
import { uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker, type WorkerOptions } from '@kingly/worker';
import { buildApp, startApiServer, type ApiOptions, type ApiServer } from '../dist/index.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** A real Redis prefix, a client, an API app (not listening) and optionally a worker. */
export interface ApiHarness {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly client: KinglyClient;
  readonly app: FastifyInstance;
  /** app.inject with the bearer token. */
  call(options: InjectOptions | string): Promise<LightMyRequestResponse>;
  startWorker(options?: Partial<WorkerOptions>): Promise<KinglyWorker>;
  close(): Promise<void>;
}

export async function createApiHarness(label: string, options: Partial<ApiOptions> = {}): Promise<ApiHarness> {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName(label);
  const client = new KinglyClient({ redisUrl, prefix });
  // Jobs the tests post without a cwd run here (the API refuses them without a defaultCwd).
  const app = await buildApp({ redisUrl, prefix, token: TOKEN, defaultCwd: process.cwd(), ...options });
  const workers: KinglyWorker[] = [];
  return {
    redisUrl,
    prefix,
    client,
    app,
    call(request) {
      const opts = typeof request === 'string' ? { url: request } : request;
      return app.inject({ ...opts, headers: { authorization: `Bearer ${TOKEN}`, ...opts.headers } });
    },
    async startWorker(workerOptions = {}) {
      const worker = await createWorker({ redisUrl, prefix, concurrency: 4, shutdownGraceMs: 2000, sampleIntervalMs: 300, ...workerOptions });
      workers.push(worker);
      return worker;
    },
    async close() {
      await app.close();
      await Promise.all(workers.map((w) => w.close()));
      await client.close();
    },
  };
}

/** A client, a worker and an API listening on a free loopback port, on one prefix: for real sockets (SSE, fetch). */
export interface LiveApi {
  readonly client: KinglyClient;
  readonly worker: KinglyWorker;
  readonly server: ApiServer;
  close(): Promise<void>;
}

export async function startLiveApi(redisUrl: string, prefix: string, workerOptions: Partial<WorkerOptions> = {}): Promise<LiveApi> {
  const client = new KinglyClient({ redisUrl, prefix });
  const worker = await createWorker({ redisUrl, prefix, concurrency: 2, shutdownGraceMs: 1000, ...workerOptions });
  const server = await startApiServer({ redisUrl, prefix, token: TOKEN, host: '127.0.0.1', port: 0, defaultCwd: process.cwd() });
  return {
    client,
    worker,
    server,
    async close() {
      await server.close();
      await worker.close();
      await client.close();
    },
  };
}

/** Waits until the job's record is in one of the states and returns it. */
export function waitForState(client: KinglyClient, id: string, states: readonly string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const record = await client.getJob(id);
      return states.includes(record.state) ? record : undefined;
    },
    { timeoutMs, message: `job ${id} to be ${states.join(' or ')}` },
  );
}

export const fixturePath = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
