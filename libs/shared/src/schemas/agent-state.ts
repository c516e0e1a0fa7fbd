import { z } from 'zod';

/** How the agent's run ended, from its final `result` line. */
export const agentResultSchema = z.object({
  /** `success`, `error_max_turns`, `error_during_execution`, … as the agent says. */
  subtype: z.string(),
  isError: z.boolean(),
  /** The agent's final answer, cut to AGENT_TEXT_CHARS. */
  text: z.string(),
});

/** An agent job's state read from its output; figures are of this run (a resumed session's runs add up). */
export const agentStateSchema = z.object({
  /** The agent's name (`agents.<name>`). */
  name: z.string(),
  sessionId: z.string().nullable(),
  model: z.string().nullable(),
  /** Turns taken: assistant messages until the result, then its `num_turns`. */
  turns: z.number(),
  /** Input tokens including cache reads and writes. */
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** USD: estimated from usage and prices until the result's `total_cost_usd` replaces it. */
  costUsd: z.number(),
  /** The last assistant text, cut to AGENT_TEXT_CHARS. */
  lastText: z.string().nullable(),
  /** The last tool called, as `Name: short input`. */
  lastTool: z.string().nullable(),
  result: agentResultSchema.nullable(),
});

export type AgentState = z.infer<typeof agentStateSchema>;
export type AgentResult = z.infer<typeof agentResultSchema>;

/** Longest text kept on the record from the agent (last text, last tool, result), in characters. */
export const AGENT_TEXT_CHARS = 300;
