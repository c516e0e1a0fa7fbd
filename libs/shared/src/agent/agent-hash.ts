import type { AgentResult, AgentState } from '../schemas/agent-state.js';

// An agent job's state on its record hash: flat `agent*` fields (docs/protocol.md, Job record).
// These two functions are the only place that knows them.

const NUMBERS = { agentTurns: 'turns', agentInputTokens: 'inputTokens', agentOutputTokens: 'outputTokens', agentCostUsd: 'costUsd' } as const;
const STRINGS = { agentSession: 'sessionId', agentModel: 'model', agentLastText: 'lastText', agentLastTool: 'lastTool' } as const;

/** A new agent job's state: nothing read yet. */
export const emptyAgentState = (name: string): AgentState => ({
  name, sessionId: null, model: null, turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, lastText: null, lastTool: null, result: null,
});

/** Hash fields of an agent state (null fields left out). */
export function agentToHash(state: AgentState): Record<string, string> {
  const hash: Record<string, string> = { agent: state.name };
  for (const [field, key] of Object.entries(NUMBERS)) hash[field] = String(state[key]);
  for (const [field, key] of Object.entries(STRINGS)) if (state[key] !== null) hash[field] = state[key];
  if (state.result) hash.agentResult = JSON.stringify(state.result);
  return hash;
}

/** The agent state on a record hash; null when the job is not an agent job. */
export function agentFromHash(hash: Readonly<Record<string, string>>): AgentState | null {
  if (hash.agent === undefined) return null;
  const state: Record<string, unknown> = { ...emptyAgentState(hash.agent) };
  for (const [field, key] of Object.entries(NUMBERS)) if (hash[field] !== undefined) state[key] = Number(hash[field]);
  for (const [field, key] of Object.entries(STRINGS)) if (hash[field] !== undefined) state[key] = hash[field];
  if (hash.agentResult) {
    try {
      state.result = JSON.parse(hash.agentResult) as AgentResult;
    } catch {
      state.result = null; // written by something else than kingly: no result rather than a throw on read
    }
  }
  return state as AgentState;
}
