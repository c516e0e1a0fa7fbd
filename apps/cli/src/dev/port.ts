import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when something accepts a TCP connection on 127.0.0.1:port within `timeoutMs`. */
export function portAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    // Close politely (FIN, not a reset a simple server might not expect).
    socket.once('connect', () => {
      socket.setTimeout(timeoutMs, () => socket.destroy());
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Waits up to `timeoutMs` for the port to stop answering; true once it does. */
export async function portFreed(port: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await portAnswers(port))) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}
