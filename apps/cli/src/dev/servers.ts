import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { JobSpec } from '@kingly/cmd';
import { badInput, parseDuration, type KinglyConfig } from '@kingly/cmd/lite';

/** A dev server as `kingly dev` runs it: one job named `dev:<name>`, tagged `dev`. */
export interface DevServer {
  /** The definition's name (`kingly dev start <name>`). */
  readonly name: string;
  /** The name of its job: `dev:<name>`. */
  readonly jobName: string;
  readonly command: string;
  /** Absolute directory it runs in; with the name, what tells one copy from another. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The port it gets as PORT when no other copy runs. @default undefined (no PORT) */
  readonly port: number | undefined;
  /** Where a copy gets its port when another copy runs. @default [port, port + 99] */
  readonly portRange: readonly [number, number] | undefined;
  readonly restart: NonNullable<JobSpec['restart']>;
  /** Where the definition comes from (for messages). */
  readonly source: string;
}

const DEV_TAG = 'dev';

/**
 * The dev servers defined for this directory: `dev` of kingly.config.json (cwd relative to the
 * file), or else the `dev` script of ./package.json as `npm run dev`, named after the package.
 */
export function devServers(config: KinglyConfig, cwd = process.cwd()): DevServer[] {
  const entries = Object.entries(config.dev);
  const file = config.configFile;
  if (file && entries.length > 0) {
    const base = dirname(file);
    return entries.map(([name, d]): DevServer => {
      const port = d.port;
      return {
        name,
        jobName: `dev:${name}`,
        command: d.command,
        cwd: resolve(base, d.cwd ?? '.'),
        env: d.env ?? {},
        port,
        portRange: d.portRange ?? (port !== undefined ? [port, Math.min(port + 99, 65_535)] : undefined),
        restart: {
          policy: d.restart ?? 'on-failure',
          ...(d.maxRestarts !== undefined ? { maxRestarts: d.maxRestarts } : {}),
          ...(d.restartDelay !== undefined ? { delayMs: parseDuration(d.restartDelay, `dev.${name}.restartDelay`) } : {}),
        },
        source: file,
      };
    });
  }
  const pkgPath = join(cwd, 'package.json');
  const pkg = readPackage(pkgPath);
  if (!pkg?.scripts?.dev) {
    const where = config.configFile ? `${config.configFile} has no 'dev' section, and ` : 'no kingly.config.json was found and ';
    throw badInput(`no dev server is defined: ${where}${pkgPath} has no 'dev' script`, "add \"dev\": {\"web\": {\"command\": \"npm run dev\", \"port\": 3000}} to kingly.config.json");
  }
  const name = typeof pkg.name === 'string' && pkg.name !== '' ? pkg.name : 'dev';
  return [{ name, jobName: `dev:${name}`, command: 'npm run dev', cwd: resolve(cwd), env: {}, port: undefined, portRange: undefined, restart: { policy: 'on-failure' }, source: pkgPath }];
}

function readPackage(path: string): { name?: unknown; scripts?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; scripts?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The servers a command acts on: the one named, or all of them. */
export function selectServers(servers: readonly DevServer[], name: string | undefined): DevServer[] {
  if (name === undefined) return [...servers];
  const found = servers.find((s) => s.name === name);
  if (!found) throw badInput(`no dev server named '${name}'; defined: ${servers.map((s) => s.name).join(', ')}`);
  return [found];
}

/** The job spec of a server, with the port range it is to get its PORT from (if any). */
export function devJobSpec(server: DevServer, portRange: readonly [number, number] | undefined): JobSpec {
  return {
    command: server.command,
    cwd: server.cwd,
    name: server.jobName,
    tags: [DEV_TAG],
    restart: server.restart,
    ...(Object.keys(server.env).length > 0 ? { env: { ...server.env } } : {}),
    ...(portRange ? { portRange: [portRange[0], portRange[1]] as [number, number] } : {}),
  };
}
