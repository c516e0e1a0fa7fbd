import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashTag, parseRedisUrl, resolvePrefix } from './redis-url.js';
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

  it('redis+cluster:// lists the nodes and the credentials; rediss+cluster:// is TLS; a database is refused', () => {
    expect(parseRedisUrl('redis+cluster://app:s%40cret@10.0.0.1:7000,[::1]:7001,node-3')).toMatchObject({
      clusterNodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
        { host: 'node-3', port: 6379 },
      ],
      username: 'app',
      password: 's@cret',
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://h:7000/')).toMatchObject({ tls: true, clusterNodes: [{ host: 'h', port: 7000 }] });
    expect(() => parseRedisUrl('redis+cluster://:pw@h:7000/2')).toThrow(/a cluster has no database index/);
    expect(() => parseRedisUrl('redis+cluster://:pw@h:x')).toThrow(/'h:x' is not host:port/);
    expect(() => parseRedisUrl('redis+cluster://:pw@h:x')).not.toThrow(/pw/);
    expect(redisOptionsFromUrl('redis+cluster://:pw@127.0.0.1:7000')).toEqual({ password: 'pw' });
  });

  it('on a cluster URL the prefix needs a hash tag: {kingly} by default, one without is refused naming prefix', () => {
    expect(resolvePrefix('redis://h', undefined)).toBe('kingly');
    expect(resolvePrefix('redis://h', 'plain')).toBe('plain');
    expect(resolvePrefix('redis+cluster://h:7000', undefined)).toBe('{kingly}');
    expect(resolvePrefix('redis+cluster://h:7000', 'app:{kingly}')).toBe('app:{kingly}');
    expect(() => resolvePrefix('redis+cluster://h:7000', 'plain')).toThrow(/^prefix: 'plain' has no hash tag/);
    // Redis takes the first { and the first } after it; an empty tag hashes the whole key.
    expect(() => resolvePrefix('redis+cluster://h:7000', '{}kingly')).toThrow(/has no hash tag/);
    expect(hashTag('a}{b}')).toBe('b');
    expect(hashTag('{a}{b}')).toBe('a');
    expect(hashTag('{}{b}')).toBeUndefined();
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
