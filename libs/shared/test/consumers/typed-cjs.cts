// A CommonJS TypeScript program (module nodenext): the import becomes require() of the ESM package.
import { KinglyClient, type JobRecord } from '@kingly/cmd';

async function main(): Promise<void> {
  const client = new KinglyClient({ redisUrl: process.env.REDIS_URL!, prefix: process.env.PREFIX! });
  try {
    const { id } = await client.enqueue({ command: 'true', cwd: process.cwd(), name: process.env.NAME! });
    const record: JobRecord = await client.getJob(id);
    console.log(JSON.stringify({ id, state: record.state, name: record.name }));
  } finally {
    await client.close();
  }
}
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
