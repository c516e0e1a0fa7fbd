#!/usr/bin/env node
// A central job system built on @kingly/cmd: it submits jobs through the library and keeps their
// status in a JSON table (job-table.mjs), told of every completion durably by jobIntegration.
// Stop it (or let it crash) at any moment: when it starts again it receives every completion it
// missed, and the table's event ids make each count once.
//
//   KINGLY_REDIS_URL=redis://127.0.0.1:6380 node job-system.mjs --table jobs.json --submit 20
//   KINGLY_REDIS_URL=redis://127.0.0.1:6380 node job-system.mjs --table jobs.json      # only listen
import { parseArgs } from 'node:util';
import { jobIntegration, processManager } from '@kingly/cmd';
import { JobTable } from './job-table.mjs';

const { values } = parseArgs({
  options: {
    table: { type: 'string', default: 'jobs.json' },
    submit: { type: 'string', default: '0' },
    consumer: { type: 'string', default: 'job-system-1' },
  },
});
const table = new JobTable(values.table);

// Connect before submitting: a new consumer group starts at the newest event ('$'), and every
// completion after it is kept for this group until acknowledged, whether this process runs or not.
const integration = await jobIntegration.connect(
  {
    updateStatus(record, { eventId }) {
      if (table.applyOnce(eventId, record)) console.log(`${record.id} ${record.state}${record.exitCode === null ? '' : ` (exit ${record.exitCode})`}`);
    },
  },
  { consumer: values.consumer, group: 'example-job-system' },
);

const count = Number(values.submit);
if (count > 0) {
  // Every seventh job fails, so the table shows both outcomes.
  const specs = Array.from({ length: count }, (_, i) => ({ command: `sleep 0.${i % 4}; echo job ${i}; exit ${i % 7 === 6 ? 1 : 0}`, cwd: process.cwd(), name: `example ${i}` }));
  const jobs = await processManager.client().enqueueMany(specs);
  table.addQueued(jobs.map(({ id }, i) => ({ id, command: specs[i].command })));
  console.log(`submitted ${count} jobs`);
}
console.log('ready');

const stop = async () => {
  await integration.close();
  await processManager.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
