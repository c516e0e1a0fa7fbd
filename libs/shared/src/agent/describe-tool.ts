/** Text on one line, cut to `max` characters (an ellipsis marks a cut). */
export function oneLine(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/**
 * The telling part of a tool call's input (the command, the file, the pattern…), on one line: how
 * the record's `lastTool` and `kingly parallel logs` show a call.
 */
export function toolInputSummary(input: unknown, max: number): string {
  if (typeof input !== 'object' || input === null) return '';
  const fields = input as Record<string, unknown>;
  const main = fields.command ?? fields.file_path ?? fields.path ?? fields.pattern ?? fields.url ?? fields.description ?? fields.prompt;
  return oneLine(typeof main === 'string' ? main : JSON.stringify(input), max);
}
