import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as cmd from '@kingly/cmd';
import * as lite from '@kingly/cmd/lite';
import type {
  CancelResult, CompleteListener, EnqueuedJob, ErrorCode, JobRecord, JobSpec, JobState, KinglyClientOptions, LifecycleEvent, LogEntry, OutcomeReport, PruneOptions, PruneResult, RetentionPolicy, StatusReport,
} from '@kingly/cmd';

// The public surface of @kingly/cmd, held by types (checked by `tsc -p tsconfig.test.json`; vitest
// runs the file too) and by what Node hands a CommonJS caller.

describe('@kingly/cmd public surface', () => {
  it('types of the client', () => {
    const { KinglyClient } = cmd;
    expectTypeOf(KinglyClient).constructorParameters.toEqualTypeOf<[KinglyClientOptions]>();
    expectTypeOf<KinglyClientOptions>().toEqualTypeOf<{ readonly redisUrl: string; readonly queue?: string; readonly prefix?: string; readonly connectTimeoutMs?: number; readonly retention?: RetentionPolicy }>();
    type Client = InstanceType<typeof KinglyClient>;
    expectTypeOf<Client['enqueue']>().parameter(0).toEqualTypeOf<JobSpec>();
    // enqueue and enqueueMany give the same shape: one { id } per job.
    expectTypeOf<Client['enqueue']>().returns.resolves.toEqualTypeOf<EnqueuedJob>();
    expectTypeOf<EnqueuedJob>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<Client['enqueueMany']>().parameter(0).toEqualTypeOf<readonly JobSpec[]>();
    expectTypeOf<Client['enqueueMany']>().returns.resolves.toEqualTypeOf<EnqueuedJob[]>();
    expectTypeOf<Client['getJob']>().returns.resolves.toEqualTypeOf<JobRecord>();
    expectTypeOf<Client['findJob']>().returns.resolves.toEqualTypeOf<JobRecord | undefined>();
    expectTypeOf<Client['listJobs']>().returns.resolves.toEqualTypeOf<JobRecord[]>();
    expectTypeOf<Client['waitForJob']>().returns.resolves.toEqualTypeOf<JobRecord>();
    expectTypeOf<Client['waitForJobs']>().returns.resolves.toEqualTypeOf<JobRecord[]>();
    expectTypeOf<Client['followLogs']>().returns.toEqualTypeOf<AsyncGenerator<LogEntry>>();
    expectTypeOf<Client['events']>().returns.toEqualTypeOf<AsyncGenerator<LifecycleEvent>>();
    expectTypeOf<Client['onComplete']>().parameter(0).toEqualTypeOf<CompleteListener>();
    expectTypeOf<Client['onComplete']>().returns.toEqualTypeOf<() => void>();
    expectTypeOf<Client['cancel']>().returns.resolves.toEqualTypeOf<CancelResult>();
    expectTypeOf<Client['status']>().returns.resolves.toEqualTypeOf<StatusReport>();
    expectTypeOf<Client['prune']>().parameter(0).toEqualTypeOf<PruneOptions | undefined>();
    expectTypeOf<Client['prune']>().returns.resolves.toEqualTypeOf<PruneResult>();
    expectTypeOf<Client['close']>().returns.resolves.toBeVoid();
    // A spec takes a command or an argv (the schema refuses both or neither at run time).
    expectTypeOf<{ command: string }>().toExtend<JobSpec>();
    expectTypeOf<{ argv: string[] }>().toExtend<JobSpec>();
  });

  it('types of records, states, errors and outcomes', () => {
    expectTypeOf<JobRecord['state']>().toEqualTypeOf<JobState>();
    expectTypeOf<JobState>().toEqualTypeOf<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed-out' | 'memory-limit' | 'spawn-failed' | 'worker-lost'>();
    expectTypeOf<JobRecord['exitCode']>().toEqualTypeOf<number | null>();
    expectTypeOf(cmd.KinglyError).instance.toHaveProperty('code').toEqualTypeOf<ErrorCode>();
    expectTypeOf(cmd.isKinglyError).guards.toEqualTypeOf<cmd.KinglyError>();
    expectTypeOf(cmd.parseOutcome).parameter(0).toBeUnknown();
    expectTypeOf(cmd.parseOutcome).returns.toEqualTypeOf<OutcomeReport | undefined>();
    expectTypeOf<OutcomeReport['state']>().toEqualTypeOf<Exclude<JobState, 'queued' | 'running'>>();
    expectTypeOf<Pick<OutcomeReport, 'exitCode' | 'signal' | 'reason' | 'durationMs'>>().toEqualTypeOf<{
      readonly exitCode: number | null; readonly signal: string | null; readonly reason: string | null; readonly durationMs: number | null;
    }>();
    expectTypeOf(lite.readStatus).returns.resolves.toEqualTypeOf<StatusReport>();
  });

  it('require() gets the very same module as import (no second copy, no dual-package hazard)', async () => {
    // In a plain Node process: vitest loads workspace packages its own way.
    const script = [
      "import { createRequire } from 'node:module';",
      "import * as esm from '@kingly/cmd'; import * as liteEsm from '@kingly/cmd/lite';",
      'const require = createRequire(import.meta.url);',
      "const cjs = require('@kingly/cmd');",
      'console.log(JSON.stringify({ same: cjs.KinglyClient === esm.KinglyClient && cjs.KinglyError === esm.KinglyError,',
      "  keys: Object.keys(cjs).sort().join() === Object.keys(esm).sort().join(), lite: require('@kingly/cmd/lite').readStatus === liteEsm.readStatus }));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    expect(JSON.parse(stdout)).toEqual({ same: true, keys: true, lite: true });
  });
});
