import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A short job id that sorts by creation time: milliseconds, a per-process counter and randomness,
 * all base36, so ids made in the same millisecond by one process (enqueueMany) never collide.
 */
export function newJobId(now: number = Date.now()): string {
  counter = (counter + 1) % 36 ** 3;
  const random = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, '0').slice(0, 5);
  return `${now.toString(36)}${counter.toString(36).padStart(3, '0')}${random}`;
}

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

export const isValidJobId = (id: string): boolean => ID_PATTERN.test(id);
