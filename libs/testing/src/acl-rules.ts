import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** docs/scaling.md: the one place kingly's least-privilege ACL rule sets are written. */
const SCALING_DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'scaling.md');

/**
 * The rules of the documented `ACL SETUSER <user> …` line in docs/scaling.md (for the default
 * prefix `kingly`), with its `>PASSWORD` replaced by this password: tests run what users copy.
 */
export function documentedAclRules(user: string, password: string): string[] {
  const line = readFileSync(SCALING_DOC, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`ACL SETUSER ${user} `));
  if (!line) throw new Error(`docs/scaling.md has no "ACL SETUSER ${user} …" line`);
  const rules = line.trim().split(/\s+/).slice(3);
  if (!rules.includes('>PASSWORD')) throw new Error(`docs/scaling.md: the rules of ${user} set no >PASSWORD`);
  return rules.map((rule) => (rule === '>PASSWORD' ? `>${password}` : rule));
}

/** A connection that may read Redis's ACL LOG (an admin's). */
export interface AclLogReader {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * What Redis refused since the last call (its ACL LOG, which this then clears), one line per
 * entry: `<user>: <reason> <command or key> (<toplevel|lua|multi>)`.
 */
export async function takeAclRefusals(admin: AclLogReader): Promise<string[]> {
  const log = (await admin.call('ACL', 'LOG')) as unknown[][];
  await admin.call('ACL', 'LOG', 'RESET');
  return log.map((entry) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    return `${String(fields.get('username'))}: ${String(fields.get('reason'))} ${String(fields.get('object'))} (${String(fields.get('context'))})`;
  });
}
