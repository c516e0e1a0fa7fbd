// A TypeScript program using the packed @kingly/cmd, compiled with moduleResolution node16,
// nodenext and bundler: the types it leans on must resolve in each.
import { KinglyClient, parseOutcome, type JobRecord, type JobSpec, type JobState, type OutcomeReport } from '@kingly/cmd';

const client = new KinglyClient({ redisUrl: process.env.REDIS_URL!, prefix: process.env.PREFIX! });
try {
  const spec: JobSpec = { command: 'true', cwd: process.cwd(), name: process.env.NAME! };
  const { id }: { id: string } = await client.enqueue(spec);
  const record: JobRecord = await client.getJob(id);
  const state: JobState = record.state;
  const outcome: OutcomeReport | undefined = parseOutcome(record.reason);
  if (outcome !== undefined) throw new Error('a queued job has no outcome');
  console.log(JSON.stringify({ id, state, name: record.name }));
} finally {
  await client.close();
}
