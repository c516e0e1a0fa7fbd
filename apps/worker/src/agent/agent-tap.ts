import type { Redis } from 'ioredis';
import { DEFAULT_MODEL_PRICES, emptyAgentState, writeAgentState, type AgentSpec, type AgentState, type KinglyKeys } from '@kingly/cmd';
import { LineSplitter } from '../line-splitter.js';
import { readStreamJsonLine, type StreamJsonReader } from './stream-json.js';

/** How often the state read so far is written on the record while it changes. */
const WRITE_EVERY_MS = 500;
/** Longest stdout line read as JSON (a longer one is cut, so not parsed; it stays whole in the log in 64 KiB pieces). */
const MAX_JSON_LINE_BYTES = 8 * 1024 * 1024;

export interface AgentTapOptions {
  readonly id: string;
  readonly spec: AgentSpec;
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  /** Called once when the cost passes `spec.budgetUsd`, with the reason to end the job with. */
  readonly onOverBudget: (reason: string) => void;
  /** Says a failed write of the state (the job goes on). */
  readonly log: (line: string) => void;
}

/**
 * Reads an agent job's stdout (the same bytes the log gets) into its AgentState, writes the state
 * on the record while the job runs (throttled) and watches the budget. The log is untouched: lines
 * that are not JSON stay there as they are.
 */
export class AgentTap {
  readonly #options: AgentTapOptions;
  readonly #reader: StreamJsonReader;
  readonly #splitter: LineSplitter | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  #overBudget = false;

  constructor(options: AgentTapOptions) {
    this.#options = options;
    this.#reader = { state: emptyAgentState(options.spec.name), prices: { ...DEFAULT_MODEL_PRICES, ...options.spec.prices }, messages: new Map(), unparsed: 0 };
    if (options.spec.format === 'claude-stream-json') this.#splitter = new LineSplitter((line) => this.#line(line), MAX_JSON_LINE_BYTES);
  }

  get state(): AgentState {
    return this.#reader.state;
  }

  /** Lines of stdout that were not JSON. */
  get unparsed(): number {
    return this.#reader.unparsed;
  }

  /** A chunk of the agent's stdout. */
  push(chunk: Buffer): void {
    this.#splitter?.push(chunk);
  }

  /** The output ended: reads a last unterminated line and waits for the writes in flight (the final state goes with the finish transition). */
  async close(): Promise<void> {
    this.#splitter?.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
  }

  #line(line: string): void {
    if (!readStreamJsonLine(this.#reader, line)) return;
    const budget = this.#options.spec.budgetUsd;
    if (budget !== undefined && !this.#overBudget && this.state.costUsd > budget) {
      this.#overBudget = true;
      this.#options.onOverBudget(`over budget: the agent's cost reached $${this.state.costUsd.toFixed(4)}, the budget is $${budget} (--budget-usd)`);
    }
    this.#dirty = true;
    this.#timer ??= setTimeout(() => this.#write(), WRITE_EVERY_MS);
  }

  #write(): void {
    this.#timer = undefined;
    if (!this.#dirty) return;
    this.#dirty = false;
    const state = this.state;
    this.#writing = this.#writing
      .then(() => writeAgentState(this.#options.redis, this.#options.keys, this.#options.id, state))
      .then(
        () => undefined,
        (error: unknown) => this.#options.log(`[kingly] could not write the agent's state: ${(error as Error)?.message ?? String(error)}`),
      );
  }
}
