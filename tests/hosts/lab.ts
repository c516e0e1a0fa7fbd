import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';

/**
 * Three (or more) "machines" on this one: each a network namespace with its own IP on a private
 * bridge, whose processes run in a UTS namespace of their own so `os.hostname()` is the host's
 * name. The pid namespace is shared on purpose: the test sees every host's processes, so it can
 * check which host's worker killed what.
 */
export interface LabHost {
  /** Host name its processes see (os.hostname()). */
  readonly hostname: string;
  /** Network namespace (`ip netns exec <ns>`). */
  readonly ns: string;
  /** Its address on the lab bridge. */
  readonly ip: string;
  /** The veth end left in the root namespace: down = this host is cut off. */
  readonly link: string;
}

export interface Lab {
  /** The bridge's own address (how this test process reaches the hosts). */
  readonly gateway: string;
  readonly hosts: Readonly<Record<string, LabHost>>;
  /** Starts `command args` on a host: in its network namespace, under its host name. */
  spawn(host: LabHost, command: string, args: readonly string[], env: Record<string, string | undefined>): ResultPromise;
  /** Cuts a host off the bridge (its processes keep running, their packets go nowhere). */
  cut(host: LabHost): void;
  /** Joins a host to the bridge again. */
  join(host: LabHost): void;
  /** Removes the namespaces, veth pairs and bridge; safe to call twice and after a failed build. */
  teardown(): void;
}

/** Why the suite cannot run here, or undefined when it can (root, `ip`, `unshare`). */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (CI runs it as root: sudo npm run test:hosts)';
  for (const tool of [['ip', '-V'], ['unshare', '--version']] as const) {
    try {
      execFileSync(tool[0], [tool[1]], { stdio: 'ignore' });
    } catch {
      return `'${tool[0]}' is missing (apt-get install -y iproute2 util-linux)`;
    }
  }
  return undefined;
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** SIGKILLs every process in a namespace: whatever a test left there dies with the host. */
function killEverythingIn(ns: string): void {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** A /24 in 10.0.0.0/8 that no interface or route of this machine uses. */
function freeSubnet(): string {
  const used = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }) + execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' });
  for (let tries = 0; tries < 100; tries += 1) {
    const bytes = randomBytes(2);
    const subnet = `10.${200 + (bytes[0]! % 50)}.${bytes[1]}`;
    if (!used.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.x.y.0/24 subnet for the lab');
}

/**
 * Builds the lab: one bridge, and for each name a namespace joined to it by a veth pair. Names are
 * unique per run so two runs (or a leftover of a killed one) never collide.
 */
export function buildLab(names: readonly string[]): Lab {
  const id = randomBytes(3).toString('hex');
  const subnet = freeSubnet();
  const bridge = `khb${id}`;
  const gateway = `${subnet}.1`;
  const hosts: Record<string, LabHost> = {};
  const created: Array<() => void> = [];
  const teardown = (): void => {
    for (const undo of created.splice(0).reverse()) {
      try {
        undo();
      } catch {
        // already gone (a namespace's veth goes with it)
      }
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    created.push(() => ip('link', 'del', bridge));
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    names.forEach((name, i) => {
      const ns = `kh-${id}-${name}`;
      const link = `kh${id}${i}`;
      const inner = `kh${id}${i}n`;
      const address = `${subnet}.${i + 2}`;
      ip('netns', 'add', ns);
      created.push(() => {
        killEverythingIn(ns);
        ip('netns', 'del', ns);
      });
      ip('link', 'add', link, 'type', 'veth', 'peer', 'name', inner);
      created.push(() => ip('link', 'del', link));
      ip('link', 'set', inner, 'netns', ns);
      ip('link', 'set', link, 'master', bridge);
      ip('link', 'set', link, 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
      ip('-n', ns, 'link', 'set', inner, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      hosts[name] = { hostname: `host${name.toUpperCase()}-${id}`, ns, ip: address, link };
    });
  } catch (error) {
    teardown();
    throw error;
  }
  return {
    gateway,
    hosts,
    spawn(host, command, args, env) {
      // Each step execs the next, so the pid is the command's own (SIGKILL reaches it, not a shell).
      const script = 'hostname "$1" && shift && exec "$@"';
      return execa('ip', ['netns', 'exec', host.ns, 'unshare', '--uts', 'sh', '-c', script, 'sh', host.hostname, command, ...args], {
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        buffer: false,
      });
    },
    cut: (host) => ip('link', 'set', host.link, 'down'),
    join: (host) => ip('link', 'set', host.link, 'up'),
    teardown,
  };
}
