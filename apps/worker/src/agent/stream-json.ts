import { AGENT_TEXT_CHARS, costOf, oneLine, priceOf, toolInputSummary, type AgentState, type ModelPrice, type TokenUsage } from '@kingly/cmd';

// Claude Code's `--output-format stream-json --verbose`: one JSON object per line.
//   {"type":"system","subtype":"init","session_id","model",…}
//   {"type":"assistant","message":{"id","model","content":[{type:"text",text}|{type:"tool_use",name,input}],"usage"},"session_id"}
//   {"type":"user","message":{"content":[{type:"tool_result",…}]}}
//   {"type":"result","subtype":"success"|"error_max_turns"|…,"is_error","num_turns","total_cost_usd","usage","session_id","result"}
// One message with several content blocks comes as several assistant lines sharing message.id and
// usage: a message counts once.

/** What the reader keeps between lines besides the state itself. */
export interface StreamJsonReader {
  state: AgentState;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Usage of every assistant message seen, by message id (a message's lines repeat it). */
  readonly messages: Map<string, TokenUsage>;
  /** Lines that were not a JSON object (left in the log as they are); blank lines are not counted. */
  unparsed: number;
}

const short = (text: string): string => oneLine(text, AGENT_TEXT_CHARS);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const inputOf = (u: TokenUsage): number => (num(u.input_tokens) ?? 0) + (num(u.cache_creation_input_tokens) ?? 0) + (num(u.cache_read_input_tokens) ?? 0);

/** `Name: the input's most telling field`, for one line of status. */
export const describeToolUse = (name: string, input: unknown): string => short(`${name}: ${toolInputSummary(input, AGENT_TEXT_CHARS)}`);

/** Applies one stdout line to the state; false when the line changed nothing (not JSON, or of no interest). */
export function readStreamJsonLine(reader: StreamJsonReader, line: string): boolean {
  if (line.trim() === '') return false;
  if (!line.startsWith('{')) {
    reader.unparsed += 1;
    return false;
  }
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    reader.unparsed += 1;
    return false;
  }
  if (!isObject(event)) return false;
  const before = reader.state;
  const state = { ...before };
  const session = str(event.session_id);
  if (session) state.sessionId = session;
  if (event.type === 'system' && event.subtype === 'init') {
    state.model = str(event.model) ?? state.model;
  } else if (event.type === 'assistant' && isObject(event.message)) {
    const message = event.message;
    // Claude Code marks messages it made up itself (an error, "Not logged in") with model "<synthetic>".
    if (str(message.model) && message.model !== '<synthetic>') state.model = message.model as string;
    const id = str(message.id) ?? `#${reader.messages.size}`;
    if (!reader.messages.has(id)) {
      reader.messages.set(id, isObject(message.usage) ? (message.usage as TokenUsage) : {});
      state.turns += 1;
      const usage = isObject(message.usage) ? (message.usage as TokenUsage) : {};
      state.inputTokens += inputOf(usage);
      state.outputTokens += num(usage.output_tokens) ?? 0;
      state.costUsd += costOf(usage, priceOf(state.model, reader.prices));
    }
    for (const block of Array.isArray(message.content) ? (message.content as unknown[]) : []) {
      if (!isObject(block)) continue;
      if (block.type === 'text' && typeof block.text === 'string' && block.text.trim() !== '') state.lastText = short(block.text);
      if (block.type === 'tool_use' && typeof block.name === 'string') state.lastTool = describeToolUse(block.name, block.input);
    }
  } else if (event.type === 'result') {
    // The agent's own totals replace the estimates.
    state.turns = num(event.num_turns) ?? state.turns;
    state.costUsd = num(event.total_cost_usd) ?? state.costUsd;
    if (isObject(event.usage)) {
      const usage = event.usage as TokenUsage;
      state.inputTokens = inputOf(usage);
      state.outputTokens = num(usage.output_tokens) ?? state.outputTokens;
    }
    state.result = {
      subtype: str(event.subtype) ?? 'unknown',
      isError: event.is_error === true,
      text: typeof event.result === 'string' ? short(event.result) : '',
    };
  } else if (!session) {
    return false;
  }
  reader.state = state;
  return true;
}
