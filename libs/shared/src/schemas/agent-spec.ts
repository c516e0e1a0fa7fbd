import { z } from 'zod';
import { checkText } from './spec-text.js';

/** Output formats the worker understands: Claude Code's stream-json, or plain text (logs only). */
export const AGENT_FORMATS = ['claude-stream-json', 'text'] as const;
export type AgentFormat = (typeof AGENT_FORMATS)[number];

const shortText = (max: number) =>
  z.string().min(1).max(max).superRefine((value, ctx) => {
    const why = checkText(value, max * 4);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
  });

const usd = z.number().finite().min(0).max(1_000_000);

export const modelPriceSchema = z
  .object({
    /** USD per million input tokens. */
    input: usd,
    /** USD per million output tokens. */
    output: usd,
    /** USD per million cache-read tokens. @default input × 0.1 */
    cacheRead: usd.optional(),
    /** USD per million cache-write tokens. @default input × 1.25 */
    cacheWrite: usd.optional(),
  })
  .strict();

/** The job runs an agent CLI: the worker reads its output for the agent's state (see AgentState). */
export const agentSpecSchema = z
  .object({
    /** The agent's name in `agents` of kingly.config.json, for people. */
    name: shortText(100),
    /** How its stdout is read. `text`: not at all (logs and process figures only). */
    format: z.enum(AGENT_FORMATS),
    /** The stream this run belongs to (`kingly parallel`), for people. @default undefined */
    stream: shortText(200).optional(),
    /** Kill the tree and end `cancelled` once the agent's cost passes this many USD. @default undefined (no budget) */
    budgetUsd: usd.positive().optional(),
    /** At most this many agent jobs run at once over all workers. @default undefined (no cap) */
    maxConcurrent: z.number().int().min(1).max(10_000).optional(),
    /** Prices per model-name prefix (USD per million tokens), over the defaults (DEFAULT_MODEL_PRICES). @default {} */
    prices: z.record(shortText(200), modelPriceSchema).optional(),
  })
  .strict();

export type AgentSpec = z.infer<typeof agentSpecSchema>;
