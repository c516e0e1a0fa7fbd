import { readFile } from 'node:fs/promises';

/** One stream of `--tasks FILE`. */
export interface Task {
  readonly name: string;
  readonly prompt: string;
}

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Reads `--tasks FILE`: a JSON (or, for .yaml/.yml, YAML) list of `{ name, prompt }`. Mistakes are E_BAD_INPUT naming the entry. */
export async function readTasks(path: string): Promise<Task[]> {
  const { badInput } = await import('@kingly/cmd');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw badInput(`--tasks: cannot read ${path}: ${(error as Error).message}`);
  }
  let list: unknown;
  try {
    list = /\.ya?ml$/i.test(path) ? (await import('./parse-yaml.js')).parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badInput(`--tasks: ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  if (!Array.isArray(list) || list.length === 0) throw badInput(`--tasks: ${path} must hold a non-empty list of { "name", "prompt" }`);
  const names = new Set<string>();
  return list.map((item: unknown, i) => {
    const { name, prompt } = (item ?? {}) as { name?: unknown; prompt?: unknown };
    if (typeof name !== 'string' || !TASK_NAME.test(name)) throw badInput(`--tasks: entry ${i + 1}: name must be 1–64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
    if (names.has(name)) throw badInput(`--tasks: entry ${i + 1}: the name '${name}' is given twice`);
    if (typeof prompt !== 'string' || prompt.trim() === '' || prompt.includes('\0')) throw badInput(`--tasks: entry ${i + 1} (${name}): prompt must be non-empty text`);
    names.add(name);
    return { name, prompt };
  });
}
