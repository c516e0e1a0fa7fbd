import { describe, expect, it } from 'vitest';
import { recordFromData, recordFromHash, recordToHash } from './record-hash.js';
import type { JobRecord } from './schemas/job-record.js';
import { jobRecordSchema } from './schemas/job-record.js';

describe('job record hash layout', () => {
  it('round-trips every field of a finished record', () => {
    const base = recordFromData('id1', 'commands', { command: 'echo hi', cwd: '/tmp', group: 'g', tags: ['a'], attempts: 2, createdAt: Date.UTC(2026, 0, 1) }, 'queued');
    const record: JobRecord = {
      ...base,
      state: 'failed',
      exitCode: 7,
      signal: 'SIGTERM',
      reason: 'why',
      pid: 10,
      pgid: 10,
      host: 'h',
      workerId: 'w',
      attempt: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)).toISOString(),
      finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 2)).toISOString(),
      durationMs: 1000,
      cpuPercent: 12.5,
      rssBytes: 1024,
      peakRssBytes: 2048,
      cpuSeconds: 0.5,
      processCount: 3,
      restarts: 2,
      port: 3000,
    };
    const back = recordFromHash('id1', recordToHash(record));
    expect(back).toEqual(record);
    expect(jobRecordSchema.parse(back)).toEqual(record);
  });

  it('keeps the spec of a queued job from BullMQ data where the hash has nothing yet', () => {
    const base = recordFromData('id2', 'q', { argv: ['ls', '-l'], createdAt: 0 }, 'queued');
    expect(base).toMatchObject({ command: 'ls -l', name: 'ls -l', argv: ['ls', '-l'], state: 'queued', attempts: 1 });
    expect(recordFromHash('id2', { state: 'running', pid: '5' }, base)).toMatchObject({ state: 'running', pid: 5, command: 'ls -l', queue: 'q' });
  });
});
