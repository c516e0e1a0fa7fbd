// Bundles the built CLI (dist/main.js and what it imports) into dist/bundle-main.js plus lazy
// chunks beside it, so `kingly` starts from a few files instead of hundreds of modules: about 70 ms
// less per command on this machine (see docs/benchmarks.md, CLI). Chunks sit in dist/ itself, so
// paths built from import.meta.url ('../package.json', '../bin/kingly.js') hold bundled or not.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');
for (const file of readdirSync(dist)) if (file.startsWith('bundle-')) rmSync(join(dist, file));

await build({
  entryPoints: { 'bundle-main': join(dist, 'main.js') },
  outdir: dist,
  chunkNames: 'bundle-chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Long-running commands (worker, api) load these as they are: their start-up time does not matter
  // and the API serves files found from its own location. Native add-ons stay outside too.
  // ink imports react-devtools-core only when DEV=true (an optional peer, not installed). PM2 is
  // loaded from node_modules by the commands that touch the local stack, and by them only.
  external: ['@kingly/api', '@kingly/worker', 'pm2', 'msgpackr-extract', 'react-devtools-core'],
  // CommonJS dependencies (ioredis, bullmq) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __kinglyRequire } from 'node:module'; const require = __kinglyRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
