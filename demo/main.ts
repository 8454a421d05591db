import { makeOpEntry, openBrowserStorage, sha256Hex, SharedOpLog, type GenericDomainOp, type OpEntry, type StorageAdapter } from '../src/index.js';

const SESSION = 'demo-session';
const actor = `tab-${Math.random().toString(36).slice(2, 6)}`;
const $ = (id: string) => document.getElementById(id)!;
const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

let storageNote = '';
const log = await SharedOpLog.open({
  sessionId: SESSION,
  // Only the tab that leads opens storage; it picks OPFS when it works here, else IndexedDB.
  adapter: async (): Promise<StorageAdapter> => {
    const chosen = await openBrowserStorage({ persist: true });
    storageNote = `${chosen.kind}${chosen.reason ? ` (${chosen.reason})` : ''}`;
    return chosen.adapter;
  },
});

const rows: { entry: OpEntry; remote: boolean }[] = [];
const mine = new Set<string>();
let lastOpId: string | undefined;

function render(): void {
  const role = log.role === 'leader' ? `<b>leader</b> (writes to ${storageNote || 'storage'})` : '<b>follower</b> (forwards to the leader tab)';
  $('status').innerHTML = `session <b>${SESSION}</b> · this tab is actor <b>${actor}</b>, ${role} · ${rows.length} ops`;
  const body = rows
    .slice(-200)
    .reverse()
    .map(({ entry: e, remote }, i) => {
      const op = e.domain_op as Record<string, unknown>;
      return `<tr class="${remote ? 'remote' : ''}"><td>${rows.length - i}</td><td>${e.lamport_ts}</td><td>${esc(e.actor_id)}</td><td>${esc(op.op)}</td><td>${esc(op.address)}</td><td>${esc(op.content_summary ?? '')}</td><td class="id">${e.op_id.slice(0, 12)}…</td></tr>`;
    })
    .join('');
  $('ops').innerHTML = body;
}

async function refreshDelta(): Promise<void> {
  const [delta, ckpt] = await Promise.all([log.toStructuredDelta('midi'), log.readCheckpoint()]);
  $('delta').textContent = `Since ${ckpt ? `checkpoint ${ckpt.snapshot_id} (${ckpt.op_count} ops folded)` : 'the start'}: ${delta.summary}`;
}

function esc(v: unknown): string {
  return String(v).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function appendOp(op: GenericDomainOp): Promise<void> {
  const entry = makeOpEntry(actor, 'midi', op, log.nextLamportTs(), { parentOpIds: lastOpId ? [lastOpId] : [] });
  mine.add(entry.op_id);
  try {
    await log.append(entry); // resolves once the leader's storage has it durably
    $('error').textContent = '';
  } catch (err) {
    $('error').textContent = String(err);
  }
  await refreshDelta();
}

log.subscribe(({ entries }) => {
  for (const entry of entries) {
    rows.push({ entry, remote: !mine.has(entry.op_id) });
    lastOpId = entry.op_id;
  }
  render();
  void refreshDelta();
});
log.onLeaderChange(render);

for (const entry of await log.readAll()) {
  rows.push({ entry, remote: false });
  lastOpId = entry.op_id;
}
render();
await refreshDelta();

$('add').onclick = () => {
  const pitch = 48 + Math.floor(Math.random() * 24);
  const i = rows.length;
  void appendOp({
    op: 'insert',
    address: `note:${i}`,
    position: i,
    content_id: sha256Hex(`note-${i}-${pitch}`),
    content_summary: `${NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1} vel=80 tick=${i * 120}`,
  });
};
$('delete').onclick = () => {
  const last = [...rows].reverse().find((r) => (r.entry.domain_op as { op: string }).op === 'insert');
  if (!last) return;
  const op = last.entry.domain_op as Record<string, unknown>;
  void appendOp({ op: 'delete', address: op.address as string, position: op.position as number, content_id: op.content_id as string, content_summary: op.content_summary as string });
};
$('checkpoint').onclick = async () => {
  const ckpt = await log.checkpoint(`snap-${Date.now().toString(36)}`);
  $('error').textContent = '';
  await refreshDelta();
  console.info('checkpoint', ckpt);
};
$('export').onclick = async () => {
  const text = (await log.readAll()).map((e) => JSON.stringify(e)).join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  Object.assign(document.createElement('a'), { href: url, download: `${SESSION}.ops.jsonl` }).click();
};

// For the smoke test and for poking at it from devtools.
Object.assign(globalThis, { museDemo: { log, appendOp, rows } });
