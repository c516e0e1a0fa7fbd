import { describe, expect, it } from 'vitest';
import { createKeys, jobKeys, RESERVED_QUEUE_NAMES } from './keys.js';
import { validateQueueName } from './client/enqueue.js';

describe('Redis key names', () => {
  it('are pinned: other tools and older workers read these exact names', () => {
    const k = createKeys('kp');
    expect(k.logs('J')).toBe('kp:logs:J');
    expect(k.job('J')).toBe('kp:job:J');
    expect(k.samples('J')).toBe('kp:samples:J');
    expect(jobKeys(k, 'J')).toEqual(['kp:job:J', 'kp:logs:J', 'kp:samples:J']);
    expect(k.events).toBe('kp:events');
    expect(k.queues).toBe('kp:queues');
    expect(k.worker('W')).toBe('kp:worker:W');
    expect(k.workers).toBe('kp:workers');
    expect(k.running('H')).toBe('kp:running:H');
    expect(k.runningPattern).toBe('kp:running:*');
    expect(k.lostRetries).toBe('kp:lost-retries');
    expect(k.groupSlots('G')).toBe('kp:group-slots:G');
    expect(k.agentSlots).toBe('kp:agent-slots');
    expect(k.agentWaiting).toBe('kp:agent-waiting');
    expect(k.groupWaiting('G')).toBe('kp:group-waiting:G');
    expect(k.ports('H')).toBe('kp:ports:H');
    expect(k.stats).toBe('kp:stats');
    expect(k.control('W')).toBe('kp:control:W');
    expect(k.protocol).toBe('kp:protocol');
    expect(k.jobsIndex).toBe('kp:jobs');
    expect(k.stateIndex('running')).toBe('kp:jobs:state:running');
    expect(k.queueIndex('Q')).toBe('kp:jobs:queue:Q');
    expect(k.groupIndex('G')).toBe('kp:jobs:group:G');
    expect(k.nameIndex('N')).toBe('kp:jobs:name:N');
    expect(k.nameIndex('x'.repeat(201))).toMatch(/^kp:jobs:name:sha1:[0-9a-f]{40}$/);
    expect(k.expiries).toBe('kp:expiries');
    expect(k.pruneLock).toBe('kp:prune-lock');
    expect(k.webhooks).toBe('kp:webhooks');
    expect(createKeys().events).toBe('kingly:events');
  });

  it('never share a second segment with a queue (BullMQ keys are <prefix>:<queue>:…)', () => {
    const k = createKeys('kp');
    const segments = [k.logs('x'), k.job('x'), k.samples('x'), k.events, k.queues, k.worker('x'), k.workers, k.running('x'), k.lostRetries, k.groupSlots('x'), k.groupWaiting('x'), k.ports('x'), k.stats, k.control('x'), k.protocol, k.jobsIndex, k.stateIndex('x'), k.expiries, k.webhooks, k.pruneLock]
      .map((key) => key.split(':')[1]!);
    for (const segment of segments) expect(RESERVED_QUEUE_NAMES.has(segment)).toBe(true);
    for (const name of RESERVED_QUEUE_NAMES) expect(() => validateQueueName(name)).toThrow(/kingly uses/);
    expect(validateQueueName('builds')).toBe('builds');
    expect(() => validateQueueName('a:b')).toThrow(/letters, digits/);
  });
});
