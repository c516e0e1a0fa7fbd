import { createElement as h, useEffect, useRef, useState, type ReactElement } from 'react';
import { Box, render as renderInk, Text, useApp, useInput, useStdout, type Key } from 'ink';
import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { fit, listScreen, outputScreen, selectable, type Line, type Segment } from './layout.js';
import type { TopModel, TopSnapshot } from './model.js';
import { followOutput } from './output.js';

export interface TopProps {
  readonly client: KinglyClient;
  readonly model: TopModel;
  readonly intervalMs: number;
  /** Colours allowed (not under NO_COLOR). */
  readonly color: boolean;
}

type Prompt = { readonly kind: 'kill' | 'restart'; readonly id: string } | { readonly kind: 'filter'; readonly draft: string };

interface Ui {
  readonly filter: string;
  readonly selected: string | undefined;
  /** The job whose output is shown, if any. */
  readonly viewing: string | undefined;
  readonly prompt: Prompt | undefined;
}

/** The selected job: the chosen one while it is listed, else the first row. */
const selectedOf = (ids: readonly string[], chosen: string | undefined): string | undefined => (chosen !== undefined && ids.includes(chosen) ? chosen : ids[0]);

const HELP = '↑↓ select  ⏎ output  k kill  r restart  / filter  q quit';

function render(lines: readonly Line[], color: boolean): ReactElement {
  const segment = (s: Segment, j: number): ReactElement =>
    h(Text, { key: j, ...(color && s.color ? { color: s.color } : {}), ...(s.inverse ? { inverse: true } : {}), ...(s.bold ? { bold: true } : {}) }, s.text);
  return h(Box, { flexDirection: 'column' }, ...lines.map((line, i) => h(Text, { key: i, wrap: 'truncate' }, ...line.map(segment))));
}

/** The dashboard: refreshes every interval, moves the selection with the arrows, acts on keys. */
export function TopApp({ client, model, intervalMs, color }: TopProps): ReactElement {
  const { exit } = useApp();
  const stdout = useStdout().stdout as NodeJS.WriteStream;
  const [size, setSize] = useState({ width: stdout.columns || 80, height: stdout.rows || 24 });
  const [snapshot, setSnapshot] = useState<TopSnapshot | undefined>();
  const [message, setMessage] = useState<string>('');
  const [output, setOutput] = useState<{ lines: string[]; ended: boolean }>({ lines: [], ended: false });
  // What the keys change lives in a ref, updated at once: keys that arrive together (a paste, a
  // fast typist, tmux send-keys) each see the state the previous one left.
  const ui = useRef<Ui>({ filter: '', selected: undefined, viewing: undefined, prompt: undefined });
  const [, rerender] = useState(0);
  const update = (patch: Partial<Ui>): void => {
    ui.current = { ...ui.current, ...patch };
    rerender((n) => n + 1);
  };
  const snapshotRef = useRef<TopSnapshot | undefined>(undefined);

  useEffect(() => {
    const resize = (): void => setSize({ width: stdout.columns || 80, height: stdout.rows || 24 });
    stdout.on('resize', resize);
    return () => {
      stdout.off('resize', resize);
    };
  }, [stdout]);

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      try {
        const next = await model.refresh();
        if (stopped) return;
        snapshotRef.current = next;
        setSnapshot(next);
        setMessage((m) => (m.startsWith('cannot read') ? '' : m));
      } catch (error) {
        if (!stopped) setMessage(`cannot read: ${error instanceof Error ? error.message : String(error)} (retrying)`);
      }
      if (!stopped) timer = setTimeout(run, intervalMs);
    };
    // tick reports its own failures on the screen; nothing is left to reject.
    const run = (): void => {
      tick().catch(() => undefined);
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [model, intervalMs]);

  const { viewing, filter, prompt } = ui.current;
  useEffect(() => {
    if (viewing === undefined) return;
    setOutput({ lines: [], ended: false });
    return followOutput(client, viewing, (lines, ended) => setOutput({ lines, ended }));
  }, [client, viewing]);

  const findRecord = (id: string): JobRecord | undefined =>
    snapshot?.running.find((r) => r.record.id === id)?.record ?? snapshot?.recent.find((r) => r.id === id);

  const act = (kind: 'kill' | 'restart', id: string): void => {
    const done = kind === 'kill'
      ? client.cancel(id, { wait: false }).then((r) => (r.action === 'already-ended' ? `job ${id} had already ended (${r.record.state})` : `kill sent to job ${id}`))
      : import('../restart-spec.js').then(async ({ specToRestart }) => {
          const old = await client.getJob(id);
          const { id: fresh } = await client.enqueue(await specToRestart(client, old), { queue: old.queue });
          return `job ${id} restarted as ${fresh}`;
        });
    setMessage(kind === 'kill' ? `killing job ${id}…` : `restarting job ${id}…`);
    done.then(setMessage, (error: unknown) => setMessage(`${kind} failed: ${error instanceof Error ? error.message : String(error)}`));
  };

  const onKey = (input: string, key: Key): void => {
    const now = ui.current;
    const ids = snapshotRef.current ? selectable(snapshotRef.current, now.filter) : [];
    const current = selectedOf(ids, now.selected);
    if (now.prompt?.kind === 'filter') {
      const draft = now.prompt.draft;
      if (key.return) update({ filter: draft, prompt: undefined });
      else if (key.escape) update({ prompt: undefined });
      else if (key.backspace || key.delete) update({ prompt: { kind: 'filter', draft: draft.slice(0, -1) } });
      else if (input && !key.ctrl && !key.meta) update({ prompt: { kind: 'filter', draft: draft + input } });
      return;
    }
    if (now.prompt) {
      update({ prompt: undefined });
      if (input.toLowerCase() === 'y') act(now.prompt.kind, now.prompt.id);
      else setMessage(`${now.prompt.kind} of job ${now.prompt.id}: not done`);
      return;
    }
    const target = now.viewing ?? current;
    if (input === 'q' || key.escape) {
      if (now.viewing !== undefined) update({ viewing: undefined });
      else if (input === 'q') exit();
      else update({ filter: '' });
      return;
    }
    if (input === 'k' && target) return update({ prompt: { kind: 'kill', id: target } });
    if (input === 'r' && target) return update({ prompt: { kind: 'restart', id: target } });
    if (now.viewing !== undefined) return;
    if (key.upArrow || key.downArrow) {
      const at = current === undefined ? -1 : ids.indexOf(current);
      const next = ids[Math.min(ids.length - 1, Math.max(0, at + (key.upArrow ? -1 : 1)))];
      if (next !== undefined) update({ selected: next });
    } else if (key.return && current) {
      setMessage('');
      update({ viewing: current });
    } else if (input === '/') update({ prompt: { kind: 'filter', draft: now.filter } });
  };

  useInput((input, key) => {
    // Several characters at once (a paste, keys sent together): one key each, Enter as Enter.
    const plain = input.length > 1 && !key.ctrl && !key.meta && !key.escape && !/\u001b/.test(input);
    if (!plain) return onKey(input, key);
    for (const char of input) onKey(char === '\r' ? '' : char, { ...key, return: char === '\r' });
  });

  const current = snapshot ? selectedOf(selectable(snapshot, filter), ui.current.selected) : undefined;
  const height = Math.max(5, size.height - 1);
  const width = Math.max(40, size.width);
  const body: Line[] = !snapshot
    ? [[{ text: 'kingly top: reading…' }]]
    : viewing !== undefined
      ? outputScreen(findRecord(viewing), viewing, output.lines, output.ended, width, height - 1)
      : listScreen({ snapshot, selected: current, filter, width, height: height - 1 });
  let footer: string;
  if (prompt?.kind === 'filter') footer = `filter: ${prompt.draft}▏  (⏎ apply, Esc cancel)`;
  else if (prompt) footer = `${prompt.kind === 'kill' ? 'Kill' : 'Restart'} job ${prompt.id}? y/N`;
  else if (message) footer = message;
  else footer = viewing !== undefined ? 'Esc/q back  k kill  r restart' : HELP;
  const lines: Line[] = [...body, ...Array.from({ length: Math.max(0, height - 1 - body.length) }, (): Line => [{ text: ' ' }])];
  lines.push([{ text: fit(footer, width), inverse: true, ...(prompt && prompt.kind !== 'filter' ? { color: 'yellow' as const } : {}) }]);
  return render(lines, color);
}

/** Runs the dashboard on this terminal until the user quits. */
export async function runTop(props: TopProps): Promise<void> {
  // Interactive whatever CI=true says: the command refuses to start without a terminal, and ink in
  // its CI mode draws nothing until it exits (a blank screen).
  const app = renderInk(h(TopApp, props), { exitOnCtrlC: true, patchConsole: false, interactive: true });
  await app.waitUntilExit();
}
