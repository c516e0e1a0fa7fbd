import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// @kingly/cmd/lite exists so that `kingly status` starts without zod, BullMQ and ioredis: follow the built
// module graph's static imports (dynamic ones load lazily) and list every package it reaches.
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const STATIC_IMPORT = /^(?:import|export)\s[^;]*?from\s+'([^']+)';/gm;

function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec!.startsWith('.')) visit(join(dirname(file), spec!));
      else packages.add(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
    }
  };
  visit(join(DIST, entry));
  return packages;
}

describe('@kingly/cmd/lite', () => {
  it('reaches neither zod, BullMQ nor ioredis through static imports (redis-parser and Node only)', () => {
    const reached = [...packagesReachedFrom('lite.js')].filter((p) => !p.startsWith('node:')).sort();
    expect(reached).toEqual(['redis-parser']);
  });

  it('is checked against the full entry, which does reach zod', () => {
    expect(packagesReachedFrom('index.js')).toContain('zod');
  });
});
