/**
 * The demo page: an offline-first piano roll on muse-oplog. Every edit is a
 * Muse domain op in a log shared by the browser's tabs (SharedOpLog over
 * OPFS or IndexedDB); the leader tab syncs it with the server; the pattern
 * is the fold of the log.
 */
import { openBrowserStorage, SharedOpLog, type StorageAdapter } from '../src/index.js';
import { demoConfig } from './app/config.js';
import { Editor } from './app/editor.js';
import { startSync } from './app/sync.js';
import { StatusChannel } from './app/sync-status.js';
import { deleteOp, insertOp, moveOp, mutateOp, newNoteAddress, pitchName, type NoteOp } from './model/ops.js';
import { PianoRoll } from './ui/piano-roll.js';
import { Player } from './ui/player.js';
import { renderOpLog, renderStorage, renderSync, type StorageFacts } from './ui/side-panel.js';

const RANGE = { low: 48, high: 72, steps: 16 }; // C3..C5, one bar of sixteenths
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const config = demoConfig();

// The app shell is cached by a service worker, so the page opens offline after one visit.
// It answers 'shell-status' once everything the page needs is in its cache.
let started = false; // render() is usable once the page below has set up (the last lines)
const shellChanged = () => started && render();
let shell = 'serviceWorker' in navigator ? 'caching…' : 'no service worker in this browser';
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent<{ type?: string; cached?: boolean; files?: number; error?: string }>) => {
    if (e.data?.type !== 'shell-status') return;
    shell = e.data.cached ? `cached for offline use (${e.data.files} files)` : `not cached: ${e.data.error}`;
    shellChanged();
  });
  navigator.serviceWorker
    .register(`${import.meta.env.BASE_URL}sw.js`)
    .then(() => navigator.serviceWorker.ready)
    .then((reg) => reg.active?.postMessage({ type: 'shell-status' }))
    .catch((err) => {
      shell = `no service worker: ${String(err)}`;
      shellChanged();
    });
}
const status = new StatusChannel(config.sessionId, config.sync?.url ?? null);
const storage: Omit<StorageFacts, 'shell'> = { kind: null };

const log = await SharedOpLog.open<NoteOp>({
  sessionId: config.sessionId,
  // Only the leader tab opens storage: OPFS when its feature test passes here, else IndexedDB.
  adapter: async (): Promise<StorageAdapter> => {
    const chosen = await openBrowserStorage({ persist: true });
    status.publish({ storage: { kind: chosen.kind, ...(chosen.reason ? { reason: chosen.reason } : {}) } });
    return chosen.adapter;
  },
});
const editor = await Editor.open(log, config.actor);

// --- the sync client runs in the leader tab; followers show the leader's status ---
let sync: { stop(): void; hasUnsynced(): boolean; syncNow(): void } | undefined;
function roleChanged(): void {
  if (log.role === 'leader') {
    status.lead();
    if (!sync && config.sync) sync = startSync(log, config.sync, (patch) => status.publish(patch));
    status.publish({});
  } else {
    sync?.stop();
    sync = undefined;
    status.follow();
  }
  $('role').textContent = log.role === 'leader' ? 'leader tab (writes, syncs)' : 'follower tab (forwards to the leader)';
}
log.onLeaderChange(roleChanged);
roleChanged();

// --- the view ---
let selected: string | undefined;
let velocity = 100;
const player = new Player(RANGE.steps, () => editor.fold.pattern());
const roll = new PianoRoll(RANGE, {
  add(cell) {
    const address = newNoteAddress(config.actor);
    const note = { ...cell, velocity };
    selected = address;
    player.preview(cell.pitch, velocity);
    void edit(editor.apply(insertOp(address, note), { kind: 'insert', address, note }));
  },
  remove(note) {
    void edit(editor.apply(deleteOp(note.address, note), { kind: 'delete', address: note.address, note }));
  },
  move(note, to) {
    const from = { pitch: note.pitch, step: note.step };
    void edit(editor.apply(moveOp(note.address, note, to), { kind: 'move', address: note.address, from, to }));
  },
  velocity(note, v) {
    void edit(editor.apply(mutateOp(note.address, note, v), { kind: 'velocity', address: note.address, from: note.velocity, to: v }));
  },
  select(note) {
    selected = note.address;
    velocity = note.velocity;
    render();
  },
  preview: (pitch, v) => player.preview(pitch, v),
});
$('roll').append(roll.element);

async function edit(p: Promise<unknown>): Promise<void> {
  try {
    await p;
    $('error').textContent = '';
  } catch (err) {
    $('error').textContent = String(err instanceof Error ? err.message : err);
  }
}

let frame = 0;
function render(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const pattern = editor.fold.pattern();
    if (selected && !editor.fold.note(selected)) selected = undefined;
    roll.render(pattern, selected);
    const sel = selected ? editor.fold.note(selected) : undefined;
    const slider = $<HTMLInputElement>('velocity');
    if (document.activeElement !== slider) slider.value = String(sel?.velocity ?? velocity);
    $('velocity-value').textContent = slider.value;
    $('velocity-target').textContent = sel ? `${pitchName(sel.pitch)} step ${sel.step + 1}` : 'new notes';
    $('note-count').textContent = `${pattern.length} note${pattern.length === 1 ? '' : 's'}`;
    $<HTMLButtonElement>('undo').disabled = !editor.history.canUndo;
    $<HTMLButtonElement>('redo').disabled = !editor.history.canRedo;
    renderOpLog(editor.ops, config.actor, status.status, (address) => {
      const n = editor.fold.lastKnown(address);
      return n ? pitchName(n.pitch) : '?';
    });
    renderSync(status.status);
    renderStorage({ ...storage, ...(status.status.storage ?? {}), shell });
    document.body.dataset.ops = String(editor.ops.length);
  });
}
editor.onChange(render);
status.onChange(render);

// --- transport and tools ---
$('play').onclick = () => {
  if (player.playing) player.stop();
  else player.start();
  $('play').textContent = player.playing ? '■ Stop' : '▶ Play';
  $('play').classList.toggle('on', player.playing);
  const tick = () => {
    roll.setPlayhead(player.position());
    if (player.playing) requestAnimationFrame(tick);
  };
  tick();
};
$<HTMLInputElement>('bpm').oninput = (e) => (player.bpm = Number((e.target as HTMLInputElement).value) || 120);
$<HTMLInputElement>('velocity').oninput = (e) => ($('velocity-value').textContent = (e.target as HTMLInputElement).value);
$<HTMLInputElement>('velocity').onchange = (e) => {
  const v = Number((e.target as HTMLInputElement).value);
  velocity = v;
  const sel = selected ? editor.fold.note(selected) : undefined;
  if (sel && sel.velocity !== v) {
    void edit(editor.apply(mutateOp(sel.address, sel, v), { kind: 'velocity', address: sel.address, from: sel.velocity, to: v }));
  }
};
$('undo').onclick = () => void edit(editor.undo('undo'));
$('redo').onclick = () => void edit(editor.undo('redo'));
addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || (e.key.toLowerCase() !== 'z' && e.key.toLowerCase() !== 'y')) return;
  if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return; // the BPM field's own undo
  e.preventDefault();
  const redo = e.key.toLowerCase() === 'y' || e.shiftKey;
  void edit(editor.undo(redo ? 'redo' : 'undo'));
});
$('commit').onclick = async () => {
  try {
    // The ops this commit folds in: the structured delta since the last checkpoint.
    const delta = await log.toStructuredDelta('midi');
    const ckpt = await log.checkpoint(`commit-${new Date().toISOString()}`);
    $('commit-result').textContent = `Committed ${ckpt.op_count} ops (Lamport ${ckpt.lamport_ts}): ${delta.summary}.`;
  } catch (err) {
    $('commit-result').textContent = `Commit failed: ${String(err)}`;
  }
};

// --- storage facts (this origin's, so every tab can ask) ---
async function refreshStorage(): Promise<void> {
  const s = navigator.storage;
  if (!s) return;
  const [persisted, estimate] = await Promise.all([s.persisted?.().catch(() => undefined), s.estimate?.().catch(() => undefined)]);
  storage.persisted = persisted;
  storage.usage = estimate?.usage;
  storage.quota = estimate?.quota;
  render();
}
void refreshStorage();
setInterval(() => void refreshStorage(), 5000);

// --- never lose unsynced work silently ---
addEventListener('beforeunload', (e) => {
  const unsynced = sync ? sync.hasUnsynced() : status.status.pending > 0;
  if (config.sync && unsynced) {
    e.preventDefault();
    e.returnValue = '';
  }
});

$('session').textContent = config.sessionId;
$('actor').textContent = config.actor;
started = true;
render();

// For the end-to-end tests and for poking at it from devtools.
Object.assign(globalThis, { museDemo: { log, editor, status, config } });
