import { describe, expect, it } from 'vitest';
import { SizeWindow } from '../src/size-window.js';

describe('SizeWindow', () => {
  it('keeps the newest sizes within both caps across wrap-arounds and growth', () => {
    const window = new SizeWindow();
    const all: number[] = [];
    for (let i = 1; i <= 10_000; i += 1) {
      const size = (i * 7919) % 1000;
      window.push(size);
      all.push(size);
      // Grows while under the count cap, wraps once the cap holds it.
      window.trim(i < 5000 ? Infinity : 3000, 1_200_000);
      let count = 0;
      let bytes = 0;
      for (let k = all.length - 1; k >= 0 && count < (i < 5000 ? Infinity : 3000) && bytes + all[k]! <= 1_200_000; k -= 1) {
        count += 1;
        bytes += all[k]!;
      }
      if (i % 997 === 0 || i === 10_000) expect([window.count, window.bytes], `after ${i}`).toEqual([count, bytes]);
    }
  });

  it('keeps the newest entry even when it alone is over the byte cap', () => {
    const window = new SizeWindow();
    window.push(10);
    window.push(5000);
    window.trim(100, 1000);
    expect([window.count, window.bytes]).toEqual([1, 5000]);
  });
});
