import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { exitCodeFor } from '@kingly/cmd/lite';
import { ExitCode } from '../exit-codes.js';
import { followGroup } from '../follow-group.js';
import { printJobLog } from '../follow-job.js';

/**
 * `dev start --follow`: streams the servers' output (one server: as is; several: `[name] line`)
 * until Ctrl-C (130; the servers go on) or until they end (their exit code).
 */
export async function followServers(client: KinglyClient, started: ReadonlyArray<{ name: string; record: JobRecord }>, json: boolean): Promise<number> {
  if (started.length === 1) {
    const { record } = started[0]!;
    if (!(await printJobLog(client, record.id, { follow: true, json }))) return ExitCode.INTERRUPTED;
    return exitCodeFor(await client.getJob(record.id));
  }
  const members = started.map(({ name, record }) => ({ id: record.id, label: name }));
  return followGroup(client, members, { group: 'dev', json });
}
