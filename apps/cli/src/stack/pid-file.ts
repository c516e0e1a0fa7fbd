import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The pid in a pid file, or undefined when there is none (or it holds no pid). */
export function readPidFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`, { mode: 0o600 });
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}
