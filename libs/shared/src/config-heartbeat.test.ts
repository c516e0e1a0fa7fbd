import { describe, expect, it } from 'vitest';
import { configFromSources, configFileSchema } from './config.js';

describe('worker heartbeat settings', () => {
  it('come from KINGLY_HEARTBEAT(_TTL) before worker.heartbeat(Ttl) in the file, as ms; unset means the worker default', () => {
    const file = configFileSchema.parse({ worker: { heartbeat: '1s', heartbeatTtl: '5s' } });
    expect(configFromSources({ env: {} }, 'kingly.config.json', file)).toMatchObject({ heartbeatMs: 1000, heartbeatTtlMs: 5000 });
    expect(configFromSources({ env: { KINGLY_HEARTBEAT: '500ms', KINGLY_HEARTBEAT_TTL: '2s' } }, 'kingly.config.json', file)).toMatchObject({ heartbeatMs: 500, heartbeatTtlMs: 2000 });
    expect(configFromSources({ env: {} }, undefined, {})).toMatchObject({ heartbeatMs: undefined, heartbeatTtlMs: undefined });
  });

  it('refuse what is not a duration, naming the setting', () => {
    expect(configFileSchema.safeParse({ worker: { heartbeat: 'often' } }).success).toBe(false);
    expect(() => configFromSources({ env: { KINGLY_HEARTBEAT_TTL: 'soon' } }, undefined, {})).toThrow(/KINGLY_HEARTBEAT_TTL/);
  });
});
