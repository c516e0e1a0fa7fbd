#!/usr/bin/env node
// The image's HEALTHCHECK (see Dockerfile): healthy while a kingly worker of this host has a live
// heartbeat in Redis. A container is one host (its own host name, or KINGLY_HOST), so a worker
// that hangs, lost Redis for longer than its heartbeat TTL, or exited makes it unhealthy.
// `kingly status --json` is asked, with the container's own KINGLY_* settings.
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';

const kingly = fileURLToPath(new URL('../apps/cli/bin/kingly.js', import.meta.url));
const host = process.env.KINGLY_HOST || hostname();

execFile(process.execPath, [kingly, 'status', '--json'], { timeout: 8000 }, (error, stdout, stderr) => {
  if (error) {
    process.stderr.write(`kingly status failed: ${stderr || error.message}\n`);
    process.exit(1);
  }
  const workers = JSON.parse(stdout).workers.filter((w) => w.host === host && w.alive);
  if (workers.length === 0) {
    process.stderr.write(`no live kingly worker on ${host}\n`);
    process.exit(1);
  }
  process.stdout.write(`${workers.map((w) => w.id).join(', ')}: alive\n`);
});
