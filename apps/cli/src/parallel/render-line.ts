import { oneLine as short, toolInputSummary } from '@kingly/cmd';

// One line of an agent's stream-json output, as people read it: assistant text, one line per tool
// call, the result; init and tool results briefly. Anything else is printed as it is.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The readable lines for one raw line (none for lines of no interest to a reader). */
export function renderAgentLine(line: string): string[] {
  let event: unknown;
  try {
    event = line.startsWith('{') ? JSON.parse(line) : undefined;
  } catch {
    event = undefined;
  }
  if (!isObject(event)) return [line];
  if (event.type === 'system' && event.subtype === 'init') return [`[session ${String(event.session_id)} · ${String(event.model)}]`];
  const content = isObject(event.message) && Array.isArray(event.message.content) ? (event.message.content as unknown[]) : [];
  if (event.type === 'assistant') {
    return content.flatMap((block) => {
      if (!isObject(block)) return [];
      if (block.type === 'text' && typeof block.text === 'string') return [`assistant: ${short(block.text, 1000)}`];
      if (block.type === 'tool_use') return [`  → ${String(block.name)}(${toolInputSummary(block.input, 150)})`];
      return [];
    });
  }
  if (event.type === 'user') {
    return content.flatMap((block) => {
      if (!isObject(block) || block.type !== 'tool_result') return [];
      const text = typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
      return [`  ← ${block.is_error === true ? 'error: ' : ''}${short(text, 120)}`];
    });
  }
  if (event.type === 'result') {
    const cost = typeof event.total_cost_usd === 'number' ? ` · $${event.total_cost_usd.toFixed(4)}` : '';
    return [`result: ${String(event.subtype)} after ${String(event.num_turns)} turn(s)${cost}${typeof event.result === 'string' && event.result ? ` — ${short(event.result, 500)}` : ''}`];
  }
  return [line];
}
