// A CommonJS program using the packed @kingly/cmd through require().
const { KinglyClient } = require('@kingly/cmd');

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
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
