import type { Redis } from 'ioredis';
import type { KinglyKeys } from '../keys.js';
import { TERMINAL_STATES } from '../job-states.js';
import { agentToHash } from '../agent/agent-hash.js';
import type { AgentState } from '../schemas/agent-state.js';

// An agent's state read so far, written on its record while the job runs: like a sample, never
// after the job ended (the finish transition writes the final state) and never on a record that
// is gone (it would come back without a TTL).
// KEYS: record. ARGV: field/value pairs.
const WRITE_SCRIPT = `
local TERMINAL = {${[...TERMINAL_STATES].map((s) => `['${s}'] = true`).join(', ')}}
local state = redis.call('HGET', KEYS[1], 'state')
if not state or TERMINAL[state] then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

/** Writes a running agent job's state on its record; false when the job has ended (nothing written). */
export async function writeAgentState(redis: Redis, keys: KinglyKeys, id: string, state: AgentState): Promise<boolean> {
  const fields = Object.entries(agentToHash(state)).flat();
  return (await redis.eval(WRITE_SCRIPT, 1, keys.job(id), ...fields)) === 1;
}
