#!/usr/bin/env node
// The plugin's command: run-checks name=command … prints one line per check (or --json) and exits
// 1 when one failed. Redis from KINGLY_REDIS_URL (and KINGLY_PREFIX, KINGLY_QUEUE).
//
//   KINGLY_REDIS_URL=redis://127.0.0.1:6380 node run-checks.mjs test='npm test' lint='npm run lint'
import { processManager } from '@kingly/cmd';
import { allPassed, runChecks } from './index.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const checks = Object.fromEntries(
  args.filter((a) => a !== '--json').map((arg) => {
    const at = arg.indexOf('=');
    if (at <= 0) throw new Error(`expected name=command, got '${arg}'`);
    return [arg.slice(0, at), arg.slice(at + 1)];
  }),
);
try {
  const results = await runChecks(checks, { cwd: process.cwd() });
  if (json) console.log(JSON.stringify(results));
  else for (const r of results) console.log(`${r.state === 'succeeded' ? 'ok  ' : 'FAIL'} ${r.name} (${r.state}, ${r.durationMs} ms) ${r.tail.at(-1) ?? ''}`);
  process.exitCode = allPassed(results) ? 0 : 1;
} finally {
  await processManager.close();
}
