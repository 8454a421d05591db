/**
 * Beside the grid: the sync indicator, storage facts, the commit box and
 * the op log (Lamport time, actor, kind, short id, whether the server has it).
 */
import type { LoggedOp } from '../app/editor.js';
import { onServer, type SyncStatus } from '../app/sync-status.js';
import { pitchName } from '../model/ops.js';

const $ = (id: string) => document.getElementById(id)!;
const SHOWN = 300;

export function renderSync(status: SyncStatus): void {
  const el = $('sync');
  const label =
    status.state === 'off' ? 'local only'
    : status.state === 'live' ? 'live'
    : status.state === 'connecting' ? 'reconnecting'
    : status.state === 'unauthorized' ? 'unauthorized'
    : status.state === 'error' ? 'error'
    : 'offline';
  el.dataset.state = status.state;
  $('sync-label').textContent = label;
  $('sync-pending').textContent = status.pending === 0 ? 'all ops synced' : `${status.pending} op${status.pending === 1 ? '' : 's'} waiting`;
  const rows: [string, string][] = status.server
    ? [
        ['Server', status.server],
        ['Pulled to', `seq ${status.cursor} (${status.mode === 'stream' ? 'live stream' : 'long-poll'})`],
        ['Last synced', status.lastSyncedAt ? new Date(status.lastSyncedAt).toLocaleTimeString() : 'not yet'],
        ...(status.lastError ? [['Last error', status.lastError] as [string, string]] : []),
      ]
    : [['Server', 'none configured: this page keeps its log locally']];
  $('sync-detail').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join('');
}

export interface StorageFacts {
  kind: string | null;
  reason?: string | undefined;
  persisted?: boolean | undefined;
  usage?: number | undefined;
  quota?: number | undefined;
  /** The service worker's app shell cache. */
  shell: string;
}

export function renderStorage(facts: StorageFacts): void {
  const kind = facts.kind === 'opfs' ? 'OPFS' : facts.kind === 'indexeddb' ? 'IndexedDB' : '…';
  $('storage-kind').textContent = kind;
  $('storage-kind').title = facts.reason ?? '';
  $('storage-persisted').textContent = facts.persisted === undefined ? 'unknown' : facts.persisted ? 'yes' : 'no (best effort)';
  $('storage-shell').textContent = facts.shell;
  $('storage-usage').textContent =
    facts.usage === undefined ? 'unknown' : `${bytes(facts.usage)} of ${facts.quota === undefined ? '?' : bytes(facts.quota)}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** `noteName(address)`: the name of the note an op without a pitch (a velocity change) is about. */
export function renderOpLog(ops: readonly LoggedOp[], actor: string, status: SyncStatus, noteName: (address: string) => string): void {
  const rows: string[] = [];
  const from = Math.max(0, ops.length - SHOWN);
  for (let i = ops.length - 1; i >= from; i--) {
    const item = ops[i];
    if (!item) continue;
    const { entry, position } = item;
    const op = entry.domain_op;
    const synced = status.server === null ? 'local' : onServer(status, position) ? 'server' : 'waiting';
    const mark = synced === 'server' ? '✓' : synced === 'waiting' ? '…' : '·';
    const mine = entry.actor_id === actor;
    const what =
      op.op === 'move' ? `→ ${pitchName(op.pitch)} s${op.step + 1}`
      : op.op === 'mutate' ? `${noteName(op.address)} vel ${op.velocity}`
      : `${pitchName(op.pitch)} s${op.step + 1}`;
    rows.push(
      `<tr data-position="${position}" data-synced="${synced}" class="${mine ? 'mine' : 'theirs'}">` +
        `<td class="ts">${entry.lamport_ts}</td>` +
        `<td class="actor" title="${esc(entry.actor_id)}">${esc(mine ? 'you' : entry.actor_id)}</td>` +
        `<td><span class="kind ${op.op}">${op.op}</span></td>` +
        `<td class="what">${esc(what)}</td>` +
        `<td class="id" title="${entry.op_id}">${entry.op_id.slice(0, 8)}</td>` +
        `<td class="synced ${synced}" title="${synced === 'server' ? 'the server has it' : synced === 'waiting' ? 'not on the server yet' : 'no sync server'}">${mark}</td>` +
      `</tr>`,
    );
  }
  $('oplog').innerHTML = rows.join('');
  $('oplog-count').textContent = `${ops.length} op${ops.length === 1 ? '' : 's'}`;
}

function esc(v: string): string {
  return v.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
