// Baseline: the same output carried by raw Redis streams, no kingly. A producer process runs the
// command, splits its stdout into lines and XADDs them in pipelined batches (pausing the pipe while
// four batches are in flight), then adds an end entry; the reader XREADs (COUNT 1000, BLOCK) until
// it. Nothing is trimmed, nothing else is written.
//   node bench/baselines/xadd-xread.mjs produce <redis-url> <key> <shell command>
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';

const BATCH = 500;
const IN_FLIGHT = 4;

/** Runs `command`, streams its lines to `key`; resolves with the line count. */
export async function produce(url, key, command) {
  const redis = new Redis(url);
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
  let rest = '';
  let batch = [];
  let inFlight = 0;
  let lines = 0;
  let last = Promise.resolve();
  const send = () => {
    if (batch.length === 0) return;
    const pipeline = redis.pipeline();
    for (const line of batch) pipeline.xadd(key, '*', 'l', line);
    batch = [];
    inFlight += 1;
    last = pipeline.exec().then(() => {
      inFlight -= 1;
      if (inFlight < IN_FLIGHT) child.stdout.resume();
    });
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) {
      batch.push(line);
      lines += 1;
      if (batch.length >= BATCH) send();
    }
    send();
    if (inFlight >= IN_FLIGHT) child.stdout.pause();
  });
  await new Promise((resolve) => child.stdout.once('end', resolve));
  if (rest) {
    batch.push(rest);
    lines += 1;
  }
  send();
  await last;
  await redis.xadd(key, '*', 'end', '1');
  await redis.quit();
  return lines;
}

/** Reads `key` from the start until the end entry; calls onLine for each line. */
export async function consume(url, key, onLine) {
  const redis = new Redis(url);
  let last = '0';
  try {
    for (;;) {
      const result = await redis.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', key, last);
      for (const [id, fields] of result?.[0]?.[1] ?? []) {
        last = id;
        if (fields[0] === 'end') return;
        onLine(fields[1]);
      }
    }
  } finally {
    redis.disconnect();
  }
}

if (process.argv[2] === 'produce') {
  const [, , , url, key, command] = process.argv;
  const lines = await produce(url, key, command);
  process.send?.({ type: 'done', lines });
  process.exit(0);
}
