import { describe, expect, it } from 'vitest';
import { hostQueueName, isValidJobId, queueBase, queueHost, queueNameProblem, takesFrom, validateQueueName } from './index.js';

describe('host queues', () => {
  it('are <queue>@<host>, made by one function, and valid queue names', () => {
    expect(hostQueueName('commands', 'box1')).toBe('commands@box1');
    // A host queue's base is its queue: asking again names the same queue.
    expect(hostQueueName('commands@box1', 'box2')).toBe('commands@box2');
    expect(validateQueueName('builds@ci-7.example.org')).toBe('builds@ci-7.example.org');
    expect(queueHost('commands@box1')).toBe('box1');
    expect(queueHost('commands')).toBeUndefined();
    expect(queueBase('commands@box1')).toBe('commands');
    expect(queueBase('commands')).toBe('commands');
    expect(isValidJobId('commands@box1:7')).toBe(true);
  });

  it('refuse a host that cannot be part of a queue name, and a reserved queue before the @', () => {
    expect(() => hostQueueName('commands', 'no way')).toThrow(/^host: expected 1 to 100 letters/);
    expect(() => hostQueueName('commands', 'a@b')).toThrow(/^host:/);
    expect(() => hostQueueName('commands', '')).toThrow(/^host:/);
    expect(queueNameProblem('a@b@c')).toMatch(/letters, digits/);
    expect(queueNameProblem('@box')).toMatch(/letters, digits/);
    expect(queueNameProblem('job@box')).toMatch(/kingly uses/);
  });

  it('are taken from by the workers of their host and queue only', () => {
    const worker = { queue: 'commands', host: 'box1' };
    expect(takesFrom(worker, 'commands')).toBe(true);
    expect(takesFrom(worker, 'commands@box1')).toBe(true);
    expect(takesFrom(worker, 'commands@box2')).toBe(false);
    expect(takesFrom(worker, 'builds@box1')).toBe(false);
  });
});
