import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A fresh `npm install @kingly/cli` has in node_modules only what its package.json declares: every
// package the built CLI imports (dist/, not the bundle, which may have pulled a monorepo devDependency
// in by accident) must be a dependency, or `kingly worker`/`kingly api` (run from dist/main.js) and
// an unbundled install fail at the first use of it.
const cliDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(cliDir, 'dist');
const manifest = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies?: Record<string, string> };
/** Optional imports that are guarded where they are made (ink loads react-devtools-core only with DEV=true). */
const OPTIONAL = new Set(['react-devtools-core']);

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') && !e.name.startsWith('bundle-') ? [join(dir, e.name)] : []));
}

const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

describe('@kingly/cli dependencies', () => {
  it('declares every package its built code imports (yaml for --tasks FILE.yaml among them)', () => {
    const missing: string[] = [];
    const imported = new Set<string>();
    for (const file of jsFiles(dist)) {
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (a statement of their own), and dynamic import('…').
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const name = packageOf(specifier);
        imported.add(name);
        if (!(name in manifest.dependencies) && !OPTIONAL.has(name)) missing.push(`${name} (${relative(cliDir, file)})`);
      }
    }
    expect(imported).toContain('yaml');
    expect(missing).toEqual([]);
  });
});
