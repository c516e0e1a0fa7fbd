import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SpawnerMessage, SpawnRequest } from './protocol.js';

// The built program, found the same from dist/ and from src/ (tests run the sources).
const SPAWNER_MAIN = fileURLToPath(new URL('../../dist/spawner/spawner-main.js', import.meta.url));

/**
 * A process started by the spawner, seen from the worker, with the part of ChildProcess that
 * kingly uses: `spawn` (pid, stdout and stderr are set), `error` (it could not start), `exit`
 * (code, signal) and `close` (exited and both pipes closed).
 */
export class SpawnedProcess extends EventEmitter<{
  spawn: [];
  error: [Error & { code?: string }];
  exit: [number | null, NodeJS.Signals | null];
  close: [];
}> {
  pid: number | undefined;
  /** The spawner process that started it. */
  spawnerPid: number | undefined;
  /** `spawn` was emitted. */
  spawned = false;
  /** Set from `spawn` on. May already be closed by then (an empty pipe): check `closed`. */
  stdout!: Socket;
  /** Set from `spawn` on. */
  stderr!: Socket;
  #open = 3;

  constructor() {
    super();
    // Callers listen for the start failure; an 'error' nobody awaits must not crash the worker.
    this.on('error', () => {});
  }

  /** @internal one of exit, stdout close, stderr close happened. */
  settle(): void {
    if (--this.#open === 0) this.emit('close');
  }
}

/**
 * The worker process's link to its spawner (spawner-main.ts): forked on first use, shared by
 * every worker of the process, and keeping the event loop alive only while it has processes out.
 */
export class Spawner {
  readonly #child: ChildProcess;
  readonly #out = new Map<number, SpawnedProcess>();
  /** Requests not answered yet (no pipes and no error back): how busy this spawner is. */
  #starting = 0;
  /** Pids of the processes started here whose exit has not been reported yet. */
  readonly #running = new Set<number>();
  #nextId = 1;
  #dead = false;

  constructor(onDeath: () => void) {
    // No execArgv: the spawner needs none of the worker's flags (a profiler, a debugger).
    this.#child = fork(SPAWNER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json', execArgv: [] });
    this.#child.on('message', (message: SpawnerMessage, handle?: Socket) => this.#receive(message, handle));
    this.#child.on('error', () => {});
    this.#child.once('exit', () => {
      this.#dead = true;
      onDeath();
      this.#failAll();
    });
    this.#setRef();
  }

  /** The spawner process's pid. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Spawn requests sent and not answered yet. */
  get starting(): number {
    return this.#starting;
  }

  /** A process started here that has not exited (as far as this side knows). */
  isRunning(pid: number): boolean {
    return this.#running.has(pid);
  }

  spawn(file: string, args: readonly string[], cwd: string, env: Record<string, string>): SpawnedProcess {
    const proc = new SpawnedProcess();
    proc.spawnerPid = this.#child.pid;
    const id = this.#nextId++;
    this.#out.set(id, proc);
    this.#starting += 1;
    this.#setRef();
    const request: SpawnRequest = { t: 'spawn', id, file, args, cwd, env };
    if (this.#dead || !this.#child.connected) {
      queueMicrotask(() => this.#failOne(id, proc));
      return proc;
    }
    this.#child.send(request);
    return proc;
  }

  #receive(message: SpawnerMessage, handle?: Socket): void {
    const proc = this.#out.get(message.id);
    if (!proc) {
      handle?.destroy();
      return;
    }
    switch (message.t) {
      case 'out':
        proc.pid = message.pid;
        this.#running.add(message.pid);
        if (!handle) return this.#failOne(message.id, proc, 'a pipe of the process did not arrive from the kingly spawner');
        proc.stdout = this.#pipe(proc, handle);
        break;
      case 'err':
        if (!handle) return this.#failOne(message.id, proc, 'a pipe of the process did not arrive from the kingly spawner');
        proc.stderr = this.#pipe(proc, handle);
        this.#starting -= 1;
        proc.spawned = true;
        proc.emit('spawn');
        break;
      case 'exit':
        if (proc.pid !== undefined) this.#running.delete(proc.pid);
        this.#done(message.id);
        // What the process wrote before it exited is already in its pipes: let this turn's reads
        // deliver it first, so the job's log has it ahead of anything said about the exit.
        setImmediate(() => {
          proc.emit('exit', message.code, message.signal);
          proc.settle();
        });
        break;
      case 'error': {
        this.#starting -= 1;
        this.#done(message.id);
        const error = Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
        proc.emit('error', error);
        break;
      }
    }
  }

  /**
   * The received pipe. Not paused: until the caller adds a 'data' listener it buffers up to its
   * high-water mark and then stops reading, so nothing is lost (an explicit pause() would keep a
   * later 'data' listener from starting the flow).
   */
  #pipe(proc: SpawnedProcess, handle: Socket): Socket {
    handle.once('close', () => proc.settle());
    return handle;
  }

  #done(id: number): void {
    this.#out.delete(id);
    this.#setRef();
  }

  /** While processes are out the channel keeps this process alive; idle, it does not. */
  #setRef(): void {
    if (this.#out.size > 0) {
      this.#child.ref();
      this.#child.channel?.ref();
    } else {
      this.#child.unref();
      this.#child.channel?.unref();
    }
  }

  /**
   * The spawner died (killed from outside): the exit statuses of what it started are lost, so those
   * process groups are stopped and reported killed, and requests not started yet fail. (Also for a
   * process whose pipe did not arrive, which should not happen: it is stopped, not left running.)
   */
  #failAll(): void {
    for (const [id, proc] of this.#out) this.#failOne(id, proc);
  }

  #failOne(id: number, proc: SpawnedProcess, why = 'the kingly spawner process is gone'): void {
    if (!proc.spawned) this.#starting -= 1;
    if (proc.pid !== undefined) this.#running.delete(proc.pid);
    this.#done(id);
    if (proc.pid !== undefined) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (!proc.spawned) {
      (proc.stdout as Socket | undefined)?.destroy();
      proc.emit('error', new Error(why));
      return;
    }
    proc.emit('exit', null, 'SIGKILL');
    proc.settle();
  }
}

/**
 * Spawner processes per worker process. fork() blocks a spawner for about 1 ms per job, and on a
 * busy machine a spawner also waits for a core: with one, starts queue behind each other (measured
 * ~12 ms from request to pipes at concurrency 8 on 2 cores). Two start jobs side by side: +13–16 %
 * throughput there (bench/lib/ab-workers.mjs), for one more process: ~44 MB RSS, of which ~7.5 MB
 * its own (the rest is Node's binary, shared with the other Node processes).
 */
export const SPAWNERS_PER_PROCESS = 2;

const pool: Array<Spawner | undefined> = Array.from({ length: SPAWNERS_PER_PROCESS }, () => undefined);
let turn = 0;

function spawnerAt(slot: number): Spawner {
  const existing = pool[slot];
  if (existing) return existing;
  const created: Spawner = new Spawner(() => {
    if (pool[slot] === created) pool[slot] = undefined;
  });
  pool[slot] = created;
  return created;
}

/**
 * A spawner of this process for the next spawn: the one with the fewest starts in flight, in turn
 * when they are even. Each is forked on first use, and again after it died.
 */
export function sharedSpawner(): Spawner {
  let best: Spawner | undefined;
  for (let k = 0; k < SPAWNERS_PER_PROCESS; k += 1) {
    const candidate = spawnerAt((turn + k) % SPAWNERS_PER_PROCESS);
    if (best === undefined || candidate.starting < best.starting) best = candidate;
  }
  turn = (turn + 1) % SPAWNERS_PER_PROCESS;
  return best!;
}

/**
 * Whether `pid` is a process a spawner of this worker process started (a job's leader, or a setup
 * step such as git) and that has not exited yet: it is no one's leftover.
 */
export function isRunningSpawn(pid: number): boolean {
  return pool.some((spawner) => spawner?.isRunning(pid) === true);
}

/** Forks every spawner of this process now (a Node start each, ~50 ms), not at the first jobs. */
export function startSpawners(): void {
  for (let slot = 0; slot < SPAWNERS_PER_PROCESS; slot += 1) spawnerAt(slot);
}
