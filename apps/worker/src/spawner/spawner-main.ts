// The spawner: a small process each worker process forks once, which starts every job's processes
// and hands their output pipes back to the worker over the IPC channel.
//
// Why: Node forks on its main thread, and fork() costs in proportion to the parent's resident
// memory (page tables to copy). Measured (bench/lib/spawn-cost.mjs): ~0.35 ms of system CPU per
// spawn from a bare Node process, 1.5–2 ms from a worker holding BullMQ, ioredis, zod and its
// heap. Here the fork is cheap, and it runs beside the worker's event loop, not inside it.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { SpawnerMessage, SpawnRequest } from './protocol.js';

const baseEnv = { ...process.env };

const send = (message: SpawnerMessage, handle?: Socket): void => {
  process.send!(message, handle);
};

/**
 * The pipes are the worker's: nothing may be read here (a byte read here would never reach the
 * job's log), and Node must not drain them when the child exits. A stream starts reading when it is
 * created; stopping it in the same turn, before any I/O callback, means nothing has been read.
 */
function keepUnread(stream: Socket): void {
  stream.pause();
  (stream as unknown as { _handle?: { readStop(): number } })._handle?.readStop();
}

process.on('message', (request: SpawnRequest) => {
  const { id } = request;
  const child = spawn(request.file, request.args, {
    cwd: request.cwd,
    env: { ...baseEnv, ...request.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = child.stdout as Socket;
  const err = child.stderr as Socket;
  keepUnread(out);
  keepUnread(err);
  // Without its stdio list, Node neither drains nor waits for the pipes at exit.
  (child as unknown as { stdio: unknown }).stdio = null;
  // A pid means the program is running (libuv reports exec failures before spawn() returns, as an
  // 'error' to come): hand the pipes over now rather than on 'spawn', a tick later, when the
  // requests that arrived in the same read have been spawned too.
  const started = child.pid !== undefined;
  if (started) {
    // Sending a handle closes this process's copy once the worker has it.
    send({ t: 'out', id, pid: child.pid! }, out);
    send({ t: 'err', id }, err);
  }
  child.once('error', (error: NodeJS.ErrnoException) => {
    if (started) return;
    out.destroy();
    err.destroy();
    send({ t: 'error', id, message: error.message, ...(error.code ? { code: error.code } : {}) });
  });
  child.once('exit', (code, signal) => {
    if (started) send({ t: 'exit', id, code, signal });
  });
});

// The worker is gone: its jobs' processes go on (the next worker on this host reaps them), this
// process has nothing left to do.
process.on('disconnect', () => process.exit(0));
