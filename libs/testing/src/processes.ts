import { execFileSync } from 'node:child_process';

/** Arguments that print each process's command line followed by its environment (procps; BSD ps on macOS). */
const ENV_ARGS = process.platform === 'darwin' ? ['-E', '-ww'] : ['eww'];

/** `ps` output; an empty answer (exit 1) when none of the asked pids exists. */
function ps(args: readonly string[]): string {
  try {
    return execFileSync('ps', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    if ((error as { status?: unknown }).status === 1) return String((error as { stdout?: unknown }).stdout ?? '');
    throw error;
  }
}

/**
 * Pids of live processes whose environment holds NAME=VALUE (how tests find every process a
 * fixture started, including ones that left its process group). Reads `ps`, which shows the
 * environments of this user's processes after their command lines.
 */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = ` ${name}=${value}`;
  const pids: number[] = [];
  for (const line of ps([...ENV_ARGS, '-A', '-o', 'pid=,stat=,command=']).split('\n')) {
    const match = /^\s*(\d+)\s+(\S+)\s(.*)$/.exec(line);
    if (!match || match[2]!.startsWith('Z')) continue;
    const text = ` ${match[3]}`;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      const after = text[at + needle.length];
      if (after === undefined || after === ' ') {
        pids.push(Number(match[1]));
        break;
      }
    }
  }
  return pids;
}

/** True while a process with this pid exists (zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = ps(['-o', 'stat=', '-p', String(pid)]).trim();
  return stat !== '' && !stat.startsWith('Z');
}

/** Pids of live processes whose command line contains `text` (this process and the `ps` it runs left out). */
export function pidsWithCommandLine(text: string): number[] {
  const pids: number[] = [];
  for (const line of ps(['-A', '-o', 'pid=,stat=,args=']).split('\n')) {
    const match = /^\s*(\d+)\s+(\S+)\s(.*)$/.exec(line);
    if (!match || match[2]!.startsWith('Z') || !match[3]!.includes(text) || match[3]!.startsWith('ps ')) continue;
    if (Number(match[1]) !== process.pid) pids.push(Number(match[1]));
  }
  return pids;
}
