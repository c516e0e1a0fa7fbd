import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { waitFor } from '@kingly/testing';
import {
  CANCEL_FIELD, createKeys, eventFields, LOG_FIELDS, PROTOCOL_VERSION, recordToHash, STREAM_CODES, type JobRecord, type KinglyKeys,
} from '@kingly/cmd';
import { createHarness, type Harness } from './harness.js';

// docs/protocol.md is what a program without @kingly/cmd goes by. The first test holds the
// document's tables to the code (a key, record field or stream field added without documenting it
// fails here); the second runs a real worker and reads jobs added by plain BullMQ with ioredis and
// only the names the document's tables give.

const DOC = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/**
 * The first column's code spans (`x`) of the table whose header's first cell is `column`, in the
 * section under the heading `title` (up to the next heading of the same or a higher level).
 */
function docColumn(title: string, column: string): string[] {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => /^#{2,3} /.test(l) && l.replace(/^#+ /, '') === title);
  if (start < 0) throw new Error(`docs/protocol.md has no heading '${title}'`);
  const level = lines[start]!.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const cells = (row: string): string[] => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
  const header = section.findIndex((l, i) => l.startsWith('|') && cells(l)[0] === column && section[i + 1]?.startsWith('| ---'));
  if (header < 0) throw new Error(`docs/protocol.md, section '${title}': no table with a '${column}' column`);
  const values: string[] = [];
  for (const row of section.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    const code = /^`([^`]+)`$/.exec(cells(row)[0]!);
    if (!code) throw new Error(`docs/protocol.md, section '${title}': '${row}' does not start with a \`code\` cell`);
    values.push(code[1]!);
  }
  return values;
}

/** The row of that table whose first cell is `value`, as text. */
const docRow = (value: string): string => DOC.split('\n').find((l) => l.startsWith(`| \`${value}\` |`)) ?? '';

/** Placeholders (`<id>`, `<host>`, `<prefix>`…) made alike, so templates compare by shape. */
const shape = (template: string): string => template.replace(/<[^>]+>/g, '<*>');

/** A key from the document's template, its placeholders filled in. */
function key(template: string, values: Record<string, string>): string {
  expect(docColumn('Keys', 'key'), `docs/protocol.md's key table lists ${template}`).toContain(template);
  return template.replace(/<([^>]+)>/g, (_, name: string) => values[name] ?? `<${name}>`);
}

const fullRecord: JobRecord = {
  id: 'j', queue: 'q', name: 'n', command: 'c', argv: ['c'], cwd: '/', group: 'g', tags: ['t'], state: 'failed', exitCode: 3, signal: 'SIGTERM',
  reason: 'r', pid: 1, pgid: 1, host: 'h', workerId: 'w', attempt: 1, attempts: 1, createdAt: new Date(1).toISOString(), startedAt: new Date(2).toISOString(), restartedAt: new Date(2).toISOString(),
  finishedAt: new Date(3).toISOString(), durationMs: 1, cpuPercent: 1, rssBytes: 1, peakRssBytes: 1, cpuSeconds: 1, processCount: 1, restarts: 0, port: 1,
  repo: '/r', ref: 'HEAD', commit: 'abc', branch: 'b', worktreePath: '/w',
  agent: { name: 'claude', sessionId: 's', model: 'm', turns: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.1, lastText: 't', lastTool: 'Bash', result: { subtype: 'success', isError: false, text: 'r' } },
};

describe('docs/protocol.md', () => {
  it('lists every key, record field, log field and event field the code writes, and the protocol version', () => {
    const keys = createKeys('<prefix>');
    const built = (Object.keys(keys) as Array<keyof KinglyKeys>)
      .filter((name) => name !== 'prefix' && name !== 'runningPattern')
      .map((name) => {
        const value = keys[name];
        return shape(typeof value === 'function' ? value('<arg>') : value);
      });
    expect(new Set(docColumn('Keys', 'key').map(shape))).toEqual(new Set(built));
    expect(DOC).toContain(`SCAN MATCH ${keys.runningPattern}`);

    expect(new Set(docColumn('Job record', 'field'))).toEqual(new Set([...Object.keys(recordToHash(fullRecord)), CANCEL_FIELD]));
    expect(new Set(docColumn('Log stream', 'field'))).toEqual(new Set(Object.values(LOG_FIELDS)));
    for (const code of Object.values(STREAM_CODES)) expect(docRow(LOG_FIELDS.stream)).toContain(`\`${code}\``);
    expect(new Set(docColumn('Events stream', 'field'))).toEqual(new Set(Object.keys(eventFields('finished', fullRecord))));
    expect(docColumn('Events stream', 'type')).toEqual(['queued', 'started', 'finished']);

    expect(DOC).toContain(`**Protocol version: ${PROTOCOL_VERSION}**`);
    expect(docColumn('Protocol version', 'key')).toEqual(['<prefix>:protocol']);
    expect(docRow('<prefix>:protocol')).toContain(`| \`${PROTOCOL_VERSION}\`:`);
  });

  describe('a job added by plain BullMQ, read with ioredis and the document alone', () => {
    let h: Harness;
    let redis: Redis;
    let queue: Queue;
    beforeAll(async () => {
      h = createHarness('protocol');
      await h.startWorker();
      redis = new Redis(h.redisUrl);
      // The document's default queue name and the prefix the worker was given.
      queue = new Queue('commands', { connection: redis.duplicate(), prefix: h.prefix });
    });
    afterAll(async () => {
      await queue.close();
      redis.disconnect();
      await h.close();
    });

    /** The events stream's entries of one job, as field maps. */
    async function eventsOf(id: string): Promise<Array<Record<string, string>>> {
      const entries = (await redis.xrange(key('<prefix>:events', { prefix: h.prefix }), '-', '+')) as Array<[string, string[]]>;
      return entries.map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]!]] : []))) as Record<string, string>).filter((f) => f.job === id);
    }

    /** Waits for the job's `finished` event (the document's way to wait), then reads its record and log. */
    async function finished(id: string): Promise<{ record: Record<string, string>; log: Array<Record<string, string>>; events: Array<Record<string, string>> }> {
      await waitFor(async () => (await eventsOf(id)).some((e) => e.type === 'finished'), { timeoutMs: 20_000, message: `a finished event for job ${id}` });
      const record = await redis.hgetall(key('<prefix>:job:<id>', { prefix: h.prefix, id }));
      const entries = (await redis.xrange(key('<prefix>:logs:<id>', { prefix: h.prefix, id }), '-', '+')) as Array<[string, string[]]>;
      const log = entries.map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]!]] : []))) as Record<string, string>);
      // Nothing is written that the document does not name.
      const recordFields = docColumn('Job record', 'field');
      for (const field of Object.keys(record)) expect(recordFields, `record field '${field}' is documented`).toContain(field);
      const logFields = docColumn('Log stream', 'field');
      for (const entry of log) for (const field of Object.keys(entry)) expect(logFields, `log field '${field}' is documented`).toContain(field);
      const eventFieldNames = docColumn('Events stream', 'field');
      const events = await eventsOf(id);
      for (const event of events) for (const field of Object.keys(event)) expect(eventFieldNames, `event field '${field}' is documented`).toContain(field);
      return { record, log, events };
    }

    /** Log entries as "<s>:<l>", the last one "end:<end>". */
    const lines = (log: Array<Record<string, string>>): string[] => log.map((e) => (e.end !== undefined ? `end:${e.end}` : `${e.s}:${e.l}`));

    it('states the protocol version a worker wrote', async () => {
      expect(await redis.get(key('<prefix>:protocol', { prefix: h.prefix }))).toBe('4');
      expect(DOC).toContain('**Protocol version: 4**');
    });

    it('a command that succeeds: record, log (stdout, stderr, end) and events (started, finished)', async () => {
      const job = await queue.add('ok', { command: 'echo out; echo err >&2', name: 'proto-ok' });
      // A plain BullMQ job's kingly id is qualified by its queue (Keys: `<id>`).
      const id = `commands:${job.id!}`;
      const { record, log, events } = await finished(id);
      expect(record).toMatchObject({ state: 'succeeded', exitCode: '0', queue: 'commands', name: 'proto-ok', command: 'echo out; echo err >&2', attempt: '1', attempts: '1' });
      expect(Number(record.finishedAt)).toBeGreaterThanOrEqual(Number(record.startedAt));
      expect(Number(record.createdAt)).toBe(job.timestamp);
      expect(record.workerId).toBeTruthy();
      expect(record.pid).toMatch(/^\d+$/);
      expect(lines(log).sort()).toEqual(['e:err', 'end:1', 'o:out']);
      expect(lines(log).at(-1)).toBe('end:1');
      // A plain add writes no `queued` event (Known limits).
      expect(events.map((e) => e.type)).toEqual(['started', 'finished']);
      const end = events.at(-1)!;
      expect(end).toMatchObject({ type: 'finished', job: id, queue: 'commands', name: 'proto-ok', state: 'succeeded', exit: '0' });
      expect(JSON.parse(end.record!)).toMatchObject({ id, state: 'succeeded', exitCode: 0 });
      expect(await (await queue.getJob(job.id!))!.getState()).toBe('completed');
      expect((await queue.getJob(job.id!))!.returnvalue).toMatchObject({ kingly: 1, state: 'succeeded', exitCode: 0, signal: null, reason: null });
    });

    it('retries as opts.attempts/opts.backoff say: one started event per attempt, one finished, one log', async () => {
      const job = await queue.add(
        'retry',
        { command: 'echo try; exit 3', attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
        { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      const { record, log, events } = await finished(`commands:${job.id!}`);
      expect(record).toMatchObject({ state: 'failed', exitCode: '3', attempt: '2', attempts: '2' });
      expect(lines(log)).toEqual(['o:try', 's:[kingly] attempt 1 of 2 exited with code 3; retrying in 10ms', 's:[kingly] attempt 2 of 2', 'o:try', 'end:1']);
      expect(events.map((e) => `${e.type}:${e.state}`)).toEqual(['started:running', 'started:running', 'finished:failed']);
      expect(events.at(-1)).toMatchObject({ exit: '3' });
      expect(await (await queue.getJob(job.id!))!.getState()).toBe('failed');
    });

    it('data.attempts without opts.attempts ends spawn-failed naming the field', async () => {
      const job = await queue.add('conflict', { command: 'true', attempts: 2 });
      const { record, log, events } = await finished(`commands:${job.id!}`);
      expect(record.state).toBe('spawn-failed');
      expect(record.reason).toMatch(/^invalid job spec: attempts: .*opts: \{ attempts: 2 \}/);
      expect(lines(log)).toEqual([`s:[kingly] could not start: ${record.reason}`, 'end:1']);
      expect(events.map((e) => e.type)).toEqual(['finished']);
    });
  });
});
