import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { CPU_UNITS_PER_SECOND, type ProcessAccounting, type ProcInfo } from './types.js';

const run = promisify(execFile);

/** Columns every `ps` (procps on Linux, BSD on macOS) knows; lstart last, as it holds spaces. */
const COLUMNS = 'pid=,ppid=,pgid=,stat=,rss=,time=,lstart=';
/** English month names and '.' decimals, whatever the user's locale. */
const PS_ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };
/** A whole table, or every environment of a chunk of pids, fits. */
const MAX_BUFFER = 256 * 1024 * 1024;
/** Pids per `ps -p` call when reading environments. */
const PID_CHUNK = 200;

/** `[DD-]HH:MM:SS` (procps) or `MM:SS.ss` (BSD) as seconds. */
export function parseCpuTime(text: string): number {
  const dash = text.indexOf('-');
  const days = dash === -1 ? 0 : Number(text.slice(0, dash));
  let seconds = 0;
  for (const part of text.slice(dash + 1).split(':')) seconds = seconds * 60 + Number(part);
  return days * 86_400 + seconds;
}

/** One `ps` line of COLUMNS; lstart ("Mon Nov 30 09:12:20 2026", local time) becomes seconds since the epoch. */
export function parsePsLine(line: string): ProcInfo | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 11) return undefined;
  const [, month, day, time, year] = f.slice(6, 11);
  const started = Date.parse(`${month} ${day} ${year} ${time}`);
  const info: ProcInfo = {
    pid: Number(f[0]),
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    zombie: f[3]!.startsWith('Z'),
    rssBytes: Number(f[4]) * 1024,
    cpuTicks: parseCpuTime(f[5]!) * CPU_UNITS_PER_SECOND,
    startTime: Math.round(started / 1000),
  };
  return Number.isInteger(info.pid) && Number.isFinite(info.startTime) ? info : undefined;
}

const parseTable = (stdout: string): ProcInfo[] =>
  stdout.split('\n').flatMap((line) => {
    const info = parsePsLine(line);
    return info === undefined ? [] : [info];
  });

/** `ps` exits 1 when none of the pids exists: an empty answer, not an error. */
async function ps(args: readonly string[]): Promise<string> {
  try {
    return (await run('ps', args, { env: PS_ENV, maxBuffer: MAX_BUFFER })).stdout;
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) return (error as { stdout?: string }).stdout ?? '';
    throw error;
  }
}

/** Arguments that print each process's command line followed by its environment. */
const ENV_ARGS = process.platform === 'darwin' ? ['-E', '-ww'] : ['eww'];

/**
 * Portable: one `ps` call per table read (macOS, and Linux when `worker.accounting` is "ps"). CPU
 * time is whole seconds on procps, so CPU % moves in coarser steps than with /proc.
 */
export const psAccounting: ProcessAccounting = {
  kind: 'ps',

  async table() {
    return parseTable(await ps(['-A', '-o', COLUMNS])).filter((p) => !p.zombie);
  },

  async proc(pid) {
    return parseTable(await ps(['-o', COLUMNS, '-p', String(pid)])).find((p) => p.pid === pid);
  },

  async procsAfter(pid, skip) {
    return (await this.table()).filter((p) => p.pid > pid && !skip(p.pid));
  },

  lastPid() {
    return undefined;
  },

  async envMarkers(pids, name) {
    const found = new Map<number, string>();
    const needle = ` ${name}=`;
    for (let start = 0; start < pids.length; start += PID_CHUNK) {
      const list = pids.slice(start, start + PID_CHUNK).join(',');
      for (const line of (await ps([...ENV_ARGS, '-o', 'pid=,command=', '-p', list])).split('\n')) {
        const at = line.lastIndexOf(needle);
        if (at === -1) continue;
        const end = line.indexOf(' ', at + needle.length);
        found.set(Number(line.trim().split(' ', 1)[0]), line.slice(at + needle.length, end === -1 ? undefined : end));
      }
    }
    return found;
  },

  startTimeSync(pid) {
    try {
      const info = parsePsLine(execFileSync('ps', ['-o', COLUMNS, '-p', String(pid)], { env: PS_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      return info === undefined || info.zombie ? null : info.startTime;
    } catch {
      return null;
    }
  },
};
