import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Entries under `dir`, two levels deep, relative: "nothing left under KINGLY_HOME/worktrees" is one comparison. */
export function leftUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      out.push(name);
      if (e.isDirectory() && name.split('/').length < 3) walk(name);
    }
  };
  walk('');
  return out;
}
