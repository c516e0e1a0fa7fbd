/** What one million tokens of a model cost, in US dollars. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** Reading the prompt cache. @default input × 0.1 */
  readonly cacheRead?: number;
  /** Writing the prompt cache (5-minute entries). @default input × 1.25 */
  readonly cacheWrite?: number;
}

/**
 * Anthropic's list prices (USD per million tokens, as published on anthropic.com/pricing in 2025),
 * keyed by model-name prefix; the longest prefix that matches a model wins. `default` prices any
 * other model, at the dearest rates so a budget is never passed unnoticed. Override or extend
 * with `agents.prices` in kingly.config.json.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  default: { input: 15, output: 75 },
};

/** Token counts as Claude's `usage` gives them. */
export interface TokenUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
}

/** The price of `model` in `prices` (longest matching prefix, else `default`). */
export function priceOf(model: string | null, prices: Readonly<Record<string, ModelPrice>> = DEFAULT_MODEL_PRICES): ModelPrice {
  let best: string | undefined;
  for (const prefix of Object.keys(prices)) {
    if (prefix !== 'default' && model?.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return prices[best ?? 'default'] ?? DEFAULT_MODEL_PRICES.default!;
}

/** US dollars that `usage` of `model` costs. */
export function costOf(usage: TokenUsage, price: ModelPrice): number {
  const n = (v: number | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return (
    (n(usage.input_tokens) * price.input +
      n(usage.output_tokens) * price.output +
      n(usage.cache_read_input_tokens) * (price.cacheRead ?? price.input * 0.1) +
      n(usage.cache_creation_input_tokens) * (price.cacheWrite ?? price.input * 1.25)) /
    1e6
  );
}
