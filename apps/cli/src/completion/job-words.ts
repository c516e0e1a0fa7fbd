import { existsSync, readFileSync } from 'node:fs';
import { connectLiteRedis, createKeys, type KinglyConfig } from '@kingly/cmd/lite';

/** How many of the newest jobs completion offers. */
const NEWEST = 50;

// One round trip: the newest ids from the all-jobs index and each one's name.
const NEWEST_JOBS = `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', ARGV[2] .. id, 'name') or ''
end
return out
`;

/**
 * The newest jobs' ids and names, for completion: one small read of the configured Redis, or of
 * the local stack when it runs (completion never starts it). Nothing when Redis cannot be reached.
 */
export async function jobWords(config: KinglyConfig): Promise<string[]> {
  const redisUrl = config.redisUrl ?? (await localStackUrl(config.home));
  if (redisUrl === undefined) return [];
  const keys = createKeys(config.prefix);
  const redis = await connectLiteRedis(redisUrl, { connectTimeoutMs: 1000, slotOf: keys.prefix });
  try {
    const reply = (await redis.eval(NEWEST_JOBS, 1, keys.jobsIndex, NEWEST, keys.job(''))) as string[];
    // Names with spaces or a newline would not complete as one word: offer ids and plain names.
    return reply.filter((w) => w !== '' && !/\s/.test(w));
  } finally {
    redis.disconnect();
  }
}

async function localStackUrl(home: string): Promise<string | undefined> {
  const { stackPaths } = await import('../stack/paths.js');
  const file = stackPaths(home).stateFile;
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { redisUrl?: string }).redisUrl;
  } catch {
    return undefined;
  }
}
