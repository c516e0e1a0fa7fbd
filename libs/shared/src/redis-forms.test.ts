import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.js';
import { redisOptionsFromUrl } from './redis.js';
import { redisTlsOptions } from './redis-tls.js';

describe('Redis URL forms', () => {
  it('redis+sentinel:// lists the sentinels, the master name, the credentials and the database', () => {
    expect(parseRedisUrl('redis+sentinel://app:s%40cret@10.0.0.1:26379,[::1]:26380,sentinel-3/mymaster/2')).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
        { host: 'sentinel-3', port: 26379 },
      ],
      sentinelName: 'mymaster',
      username: 'app',
      password: 's@cret',
      db: 2,
    });
    const options = redisOptionsFromUrl('redis+sentinel://:pw@127.0.0.1:26379/mymaster');
    expect(options).toMatchObject({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster', password: 'pw' });
  });

  it('a sentinel URL without a master name or with a bad host is refused, its password hidden', () => {
    expect(() => parseRedisUrl('redis+sentinel://:pw@127.0.0.1:26379')).toThrow(/master name is missing/);
    expect(() => parseRedisUrl('redis+sentinel://:pw@127.0.0.1:x/m')).toThrow(/'127.0.0.1:x' is not host:port/);
    expect(() => parseRedisUrl('redis+sentinel://:pw@127.0.0.1:x/m')).not.toThrow(/pw/);
  });

  it('rediss:// trusts KINGLY_REDIS_CA when set, and names it when the file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kingly-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'PEM');
      expect(String(redisTlsOptions({ KINGLY_REDIS_CA: join(dir, 'ca.pem') }).ca)).toBe('PEM');
      expect(redisTlsOptions({})).toEqual({});
      expect(() => redisTlsOptions({ KINGLY_REDIS_CA: join(dir, 'missing.pem') })).toThrow(/KINGLY_REDIS_CA: cannot read the CA file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
