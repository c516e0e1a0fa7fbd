import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidsWithEnv, tempDir, waitFor } from '@kingly/testing';
import { createApiHarness, fixturePath, waitForState, type ApiHarness } from './harness.js';

describe('jobs routes', () => {
  let h: ApiHarness;
  const dir = tempDir('kingly-api-jobs');
  beforeAll(async () => {
    h = await createApiHarness('api-jobs');
    await h.startWorker();
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it('POST /api/jobs enqueues and answers 201 with the record; the job runs', async () => {
    const res = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: 'echo made by the api', name: 'api-echo', group: 'g1', tags: ['x'] } });
    expect(res.statusCode).toBe(201);
    const record = res.json();
    expect(record).toMatchObject({ name: 'api-echo', command: 'echo made by the api', group: 'g1', tags: ['x'], queue: 'commands' });
    expect(res.headers.location).toBe(`/api/jobs/${record.id}`);
    const done = await waitForState(h.client, record.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    const got = await h.call(`/api/jobs/${record.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ id: record.id, state: 'succeeded', exitCode: 0 });
  });

  it('POST /api/jobs without cwd: refused naming cwd when the API has no defaultCwd, else run there', async () => {
    const strict = await createApiHarness('api-no-cwd', { defaultCwd: undefined });
    try {
      const before = await strict.client.listJobs();
      const refused = await strict.call({ method: 'POST', url: '/api/jobs', payload: { command: 'pwd' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(/^cwd: required/) });
      expect(await strict.client.listJobs()).toEqual(before);
      // With its own cwd, or a worktree, a spec needs no default.
      const own = await strict.call({ method: 'POST', url: '/api/jobs', payload: { command: 'pwd', cwd: dir.path } });
      expect(own.statusCode).toBe(201);
      expect(own.json().cwd).toBe(dir.path);
    } finally {
      await strict.close();
    }
    const defaulted = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: 'pwd', name: 'api-default-cwd' } });
    expect(defaulted.statusCode).toBe(201);
    expect(defaulted.json().cwd).toBe(process.cwd());
    const done = await waitForState(h.client, defaulted.json().id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
  });

  it('POST /api/jobs?queue= puts the job on that queue', async () => {
    const res = await h.call({ method: 'POST', url: '/api/jobs?queue=side', payload: { argv: ['true'] } });
    expect(res.statusCode).toBe(201);
    expect(res.json().queue).toBe('side');
    expect((await h.client.getJob(res.json().id)).queue).toBe('side');
  });

  it('GET /api/jobs filters by state, name and group and pages with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: `exit ${i % 2}`, group: 'paging', name: `p${i}` } });
      ids.push(res.json().id);
    }
    for (const id of ids) await waitForState(h.client, id, ['succeeded', 'failed']);

    const byGroup = await h.call('/api/jobs?group=paging');
    expect(byGroup.json().jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
    expect(byGroup.json().nextCursor).toBeNull();

    const failed = await h.call('/api/jobs?group=paging&state=failed');
    expect(failed.json().jobs.map((j: { name: string }) => j.name).sort()).toEqual(['p1', 'p3']);
    const named = await h.call('/api/jobs?name=p2');
    expect(named.json().jobs.map((j: { id: string }) => j.id)).toEqual([ids[2]]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await h.call(`/api/jobs?group=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { jobs: Array<{ id: string }>; nextCursor: string | null };
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    // `before` (a job id, as the live page's "Older" sends the last row it shows) pages the same way.
    const older = await h.call(`/api/jobs?group=paging&limit=2&before=${ids[3]}`);
    expect(older.json().jobs.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(older.json().nextCursor).not.toBeNull();
    const oldest = await h.call(`/api/jobs?group=paging&limit=2&before=${ids[1]}`);
    expect(oldest.json()).toMatchObject({ jobs: [{ id: ids[0] }], nextCursor: null });
  });

  it('DELETE /api/jobs/:id kills a running job: 202, then it ends cancelled and no process is left', async () => {
    const gate = join(dir.path, 'never');
    const create = await h.call({ method: 'POST', url: '/api/jobs', payload: { command: `node ${fixturePath('gated.cjs')} & node ${fixturePath('gated.cjs')} & wait`, env: { GATE: gate, STAY: '1' } } });
    const id = create.json().id as string;
    await waitForState(h.client, id, ['running']);
    await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length >= 3, { message: `job ${id} to have its three processes` });
    const res = await h.call({ method: 'DELETE', url: `/api/jobs/${id}?graceMs=2000` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id, action: 'requested' });
    const final = await waitForState(h.client, id, ['cancelled', 'failed', 'succeeded']);
    expect(final.state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    // Killing it again: it has already ended.
    const again = await h.call({ method: 'DELETE', url: `/api/jobs/${id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ statusCode: 409, code: 'E_CONFLICT', error: 'Conflict' });
    expect(again.json().message).toContain('already ended (cancelled)');
  });

  it('DELETE /api/jobs/:id removes a queued job (no worker on its queue)', async () => {
    const create = await h.call({ method: 'POST', url: '/api/jobs?queue=nobody-works-here', payload: { command: 'echo never' } });
    const id = create.json().id as string;
    const res = await h.call({ method: 'DELETE', url: `/api/jobs/${id}` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id, action: 'removed', record: { state: 'cancelled' } });
    expect((await h.client.getJob(id)).state).toBe('cancelled');
  });

  describe('errors', () => {
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      h.call({ method: 'POST', url: '/api/jobs', payload: payload as string, headers: { 'content-type': 'application/json', ...headers } });

    it.each([
      ['a field of the wrong type', { command: 42 }, /^command: must be string, got 42$/],
      ['an unknown field', { command: 'true', colour: 'red' }, /^colour: is not a known field$/],
      ['a nested field out of range', { command: 'true', limits: { timeoutMs: -5 } }, /^limits\.timeoutMs: must be > 0, got -5$/],
      ['neither command nor argv', { name: 'x' }, /^command: give exactly one of command/],
      ['both command and argv', { command: 'a', argv: ['b'] }, /^command: give exactly one of command/],
      ['a relative cwd', { command: 'true', cwd: 'relative/dir' }, /^cwd: must be an absolute path, got 'relative\/dir'$/],
      ['a bad env name, without its value', { command: 'true', env: { 'BAD-NAME': 'secret-value' } }, /^env: has a key that is not allowed: 'BAD-NAME'$/],
      ['an array body', [1, 2], /^body: must be object/],
    ])('400 naming the field for %s', async (_label, body, message) => {
      const res = await post(JSON.stringify(body));
      expect(res.statusCode).toBe(400);
      const json = res.json();
      expect(json).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', error: 'Bad Request' });
      expect(json.message).toMatch(message);
      expect(res.body).not.toContain('secret-value');
    });

    it('400 for invalid JSON and for an empty JSON body', async () => {
      const bad = await post('{"command": ');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'E_BAD_INPUT', message: 'body: not valid JSON' });
      const empty = await post('');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().code).toBe('E_BAD_INPUT');
    });

    it('400 for a bad queue name and bad query parameters', async () => {
      const queue = await h.call({ method: 'POST', url: '/api/jobs?queue=no%20spaces', payload: { command: 'true' } });
      expect(queue.statusCode).toBe(400);
      expect(queue.json().message).toMatch(/^query parameter queue: must match pattern/);
      const limit = await h.call('/api/jobs?limit=0');
      expect(limit.json()).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', message: 'query parameter limit: must be >= 1, got 0' });
      const state = await h.call('/api/jobs?state=sleeping');
      expect(state.json().message).toMatch(/^query parameter state: must be one of queued, running, succeeded/);
      const cursor = await h.call('/api/jobs?cursor=garbage');
      expect(cursor.json()).toMatchObject({ statusCode: 400, message: "query parameter cursor: not a cursor this API gave out, got 'garbage'" });
      const nul = await h.call('/api/jobs?name=a%00b');
      expect(nul.json()).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', message: expect.stringMatching(/^query parameter name: must match pattern/) });
      const long = await h.call(`/api/jobs?group=${'g'.repeat(201)}`);
      expect(long.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^query parameter group: must NOT have more than 200 characters/) });
      const before = await h.call('/api/jobs?before=%3Cscript%3E');
      expect(before.json()).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', message: expect.stringMatching(/^query parameter before: must match pattern/) });
      const both = await h.call(`/api/jobs?before=abc&cursor=${Buffer.from('["","abc"]').toString('base64url')}`);
      expect(both.json()).toMatchObject({ statusCode: 400, message: 'query parameter before: give cursor or before, not both' });
      const grace = await h.call({ method: 'DELETE', url: '/api/jobs/abc?graceMs=soon' });
      expect(grace.json()).toMatchObject({ statusCode: 400, message: 'query parameter graceMs: must be integer, got "soon"' });
      const signal = await h.call({ method: 'DELETE', url: '/api/jobs/abc?signal=NOPE' });
      expect(signal.json()).toMatchObject({ statusCode: 400, code: 'E_BAD_INPUT', message: expect.stringMatching(/^signal must be a signal name/) });
      const badId = await h.call('/api/jobs/bad%20id');
      expect(badId.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^path parameter id: must match pattern/) });
    });

    it('413 for a body over 1 MiB', async () => {
      const res = await post(JSON.stringify({ command: 'x'.repeat(1024 * 1024) }));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ statusCode: 413, code: 'E_BODY_TOO_LARGE', error: 'Payload Too Large' });
    });

    it('415 for a body of an unknown type, 400 for text that is not a job', async () => {
      const xml = await h.call({ method: 'POST', url: '/api/jobs', payload: '<job/>', headers: { 'content-type': 'application/xml' } });
      expect(xml.statusCode).toBe(415);
      expect(xml.json()).toMatchObject({ code: 'E_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' });
      const text = await h.call({ method: 'POST', url: '/api/jobs', payload: 'command=true', headers: { 'content-type': 'text/plain' } });
      expect(text.json()).toMatchObject({ statusCode: 400, message: 'body: must be object, got "command=true"' });
    });

    it('404 for an unknown id on every job route, and for an unknown route', async () => {
      for (const [method, url] of [
        ['GET', '/api/jobs/nosuchjob'],
        ['DELETE', '/api/jobs/nosuchjob'],
        ['GET', '/api/jobs/nosuchjob/logs'],
        ['GET', '/api/jobs/nosuchjob/logs?follow=1'],
      ] as const) {
        const res = await h.call({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json()).toMatchObject({ statusCode: 404, code: 'E_JOB_NOT_FOUND', error: 'Not Found', message: "no job with id 'nosuchjob'" });
      }
      const route = await h.call('/api/nothing-here');
      expect(route.json()).toMatchObject({ statusCode: 404, code: 'E_NOT_FOUND' });
    });
  });
});
