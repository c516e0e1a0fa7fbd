// An ESM program using the packed @kingly/cmd: enqueue one job, read it back, close.
import { KinglyClient } from '@kingly/cmd';

async function main() {
  const client = new KinglyClient({ redisUrl: process.env.REDIS_URL, prefix: process.env.PREFIX });
  try {
    const { id } = await client.enqueue({ command: 'true', cwd: process.cwd(), name: process.env.NAME });
    const record = await client.getJob(id);
    console.log(JSON.stringify({ id, state: record.state, name: record.name }));
  } finally {
    await client.close();
  }
}
// No top-level await: esbuild bundles this file to CommonJS too.
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
