/** A RESP command: its name and arguments, numbers sent as their decimal text. */
export type RespCommand = readonly (string | number)[];

/** RESP's array-of-bulk-strings encoding of one command. */
export function encodeCommand(command: RespCommand): string {
  let out = `*${command.length}\r\n`;
  for (const arg of command) {
    const text = String(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

/** HGETALL's flat [field, value, …] reply as an object, as ioredis answers it. */
export function toHash(reply: unknown): Record<string, string> {
  const hash: Record<string, string> = {};
  if (!Array.isArray(reply)) return hash;
  for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
  return hash;
}
