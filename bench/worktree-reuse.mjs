// Worktree reuse: a small project the bench generates (a git repository with real dev dependencies
// from the npm registry — eslint and @eslint/js — a lint script and a `node --test` suite, no
// lockfile committed, `npm install` run once in the main checkout), then the wall time of
// `kingly run --parallel --git-worktree -f "npm run lint" "npm test"` (the built binary, a worker
// with worktree.reuse: ["node_modules"]) against running the two directly, side by side. The two
// alternate run by run. Skipped, saying why, when npm cannot install from the registry.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './lib/redis.mjs';
import { forkService, KINGLY_WORKER_SCRIPT, median, nowMs, ROOT_DIR, runTimed } from './lib/util.mjs';

export const name = 'worktree-reuse';

const TARGET = { ratioAtMost: 1.5 };
const METRIC = 'wall ms, lint + tests';

export async function run({ quick, log }) {
  const rounds = quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'kingly-bench-reuse-'));
  try {
    const project = join(dir, 'app');
    writeProject(project);
    const t0 = nowMs();
    const install = await runTimed('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
    if (install.code !== 0) {
      const why = `npm install failed (registry unreachable?): ${(install.stderr.trim().split('\n').pop() ?? '').slice(0, 120)}`;
      log(`skipped: ${why}`);
      return { rows: [{ metric: METRIC, kingly: null, baseline: 'lint & tests run directly', skipped: why, better: 'lower', target: TARGET }], params: { rounds } };
    }
    log(`npm install in the main checkout: ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    return await withRedis(async (redis) => {
      const prefix = 'bench-reuse';
      const home = join(dir, 'home');
      const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: 4, shutdownGraceMs: 200, home })]);
      const client = new KinglyClient({ redisUrl: redis.url, prefix });
      const samples = { kingly: [], direct: [] };
      try {
        const kingly = async () => {
          // Options before the commands; the URL in the environment too, so no local stack is ever started.
          const args = [`${ROOT_DIR}/apps/cli/bin/kingly.js`, 'run', '--parallel', '--git-worktree', '-f', '--redis-url', redis.url, '--prefix', prefix, '--', 'npm run lint', 'npm test'];
          const env = { KINGLY_HOME: home, KINGLY_REDIS_URL: redis.url, KINGLY_PREFIX: prefix, NO_COLOR: '1' };
          const result = await runTimed(process.execPath, args, { cwd: project, env });
          if (result.code !== 0) throw new Error(`kingly run --parallel --git-worktree exited with ${result.code}: ${result.stderr.trim()}\n${result.stdout.trim()}`);
          return result.ms;
        };
        const direct = async () => {
          const started = nowMs();
          const results = await Promise.all([runTimed('npm', ['run', 'lint'], { cwd: project }), runTimed('npm', ['test'], { cwd: project })]);
          const failed = results.find((r) => r.code !== 0);
          if (failed) throw new Error(`the project's lint or tests failed directly: ${failed.stdout}${failed.stderr}`);
          return nowMs() - started;
        };
        await kingly();
        await assertReused(client, log);
        await direct();
        for (let i = 0; i < rounds; i += 1) {
          samples.kingly.push(await kingly());
          samples.direct.push(await direct());
        }
        log(`kingly run --parallel --git-worktree ${median(samples.kingly).toFixed(0)} ms, directly ${median(samples.direct).toFixed(0)} ms (medians of ${rounds})`);
      } finally {
        await client.close();
        await worker.close();
      }
      const rows = [
        { metric: METRIC, kingly: median(samples.kingly), baseline: 'lint & tests run directly', baselineValue: median(samples.direct), better: 'lower', target: TARGET },
      ];
      return { rows, samples, params: { rounds, command: 'kingly run --parallel --git-worktree -f "npm run lint" "npm test"', reuse: ['node_modules'] } };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The warm-up jobs must have linked node_modules, or the figure is of `npm install` instead. */
async function assertReused(client, log) {
  const jobs = await client.listJobs({ limit: 2 });
  for (const job of jobs) {
    let linked = false;
    for await (const entry of client.followLogs(job.id, { follow: false })) if (entry.line.includes('worktree.reuse: linked node_modules')) linked = true;
    if (!linked) throw new Error(`job ${job.id} (${job.command ?? ''}) did not reuse node_modules`);
  }
  log(`the worktrees of ${jobs.length} jobs reused the main checkout's node_modules`);
}

function writeProject(project) {
  const files = {
    'package.json': JSON.stringify(
      {
        name: 'kingly-bench-app',
        private: true,
        type: 'module',
        scripts: { lint: 'eslint .', test: 'node --test' },
        devDependencies: { '@eslint/js': '^9.0.0', eslint: '^9.0.0' },
      },
      null,
      2,
    ),
    '.gitignore': 'node_modules/\n',
    'kingly.config.json': JSON.stringify({ worktree: { reuse: ['node_modules'], setup: 'npm ci || npm install' } }),
    'eslint.config.js': "import js from '@eslint/js';\n\nexport default [js.configs.recommended];\n",
  };
  for (let i = 0; i < 8; i += 1) {
    files[`src/m${i}.js`] = `export function add${i}(a, b) {\n  return a + b + ${i};\n}\n\nexport const twice${i} = (x) => add${i}(x, x);\n`;
    files[`test/m${i}.test.js`] = [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      `import { add${i}, twice${i} } from '../src/m${i}.js';`,
      '',
      `test('add${i}', () => assert.equal(add${i}(1, 2), ${3 + i}));`,
      `test('twice${i}', () => assert.equal(twice${i}(2), ${4 + i}));`,
      '',
    ].join('\n');
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(project, path, '..'), { recursive: true });
    writeFileSync(join(project, path), content);
  }
  const git = (...args) => execFileSync('git', args, { cwd: project, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('-c', 'user.name=kingly bench', '-c', 'user.email=bench@kingly.invalid', '-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'app');
}
