/// <reference types="vite/client" />
/**
 * The page the end-to-end tests load in each tab. It exposes `window.museE2E`,
 * a small API the Playwright side calls with `page.evaluate`.
 */
import { makeOpEntry, verifyOpEntry } from '../../../src/core/entry.js';
import { exportJsonl, importJsonl } from '../../../src/core/jsonl.js';
import { OpLog } from '../../../src/core/log.js';
import type { OpEntry } from '../../../src/core/types.js';
import type { StorageAdapter } from '../../../src/core/storage-port.js';
import { IndexedDbAdapter } from '../../../src/storage/indexeddb/adapter.js';
import { OpfsAdapter } from '../../../src/storage/opfs/adapter.js';
import { SharedOpLog } from '../../../src/sync/tabs/shared-log.js';

export type Backend = 'indexeddb' | 'opfs';

declare global {
  interface Window {
    museE2E: typeof api;
    /** Bound by the test (page.exposeFunction) to hear of every resolved append, even across a reload. */
    reportAck?: (opId: string) => Promise<void>;
  }
}

function adapterFor(backend: Backend): StorageAdapter {
  return backend === 'opfs' ? new OpfsAdapter() : new IndexedDbAdapter();
}

let shared: SharedOpLog | undefined;
const acked: string[] = [];
const seen: string[] = [];
const leaders: string[] = [];
let streaming: Promise<{ acked: number; error?: string }> | undefined;

function requireShared(): SharedOpLog {
  if (!shared) throw new Error('call museE2E.open first');
  return shared;
}

function noteOp(actor: string, n: number, ts: number): OpEntry {
  return makeOpEntry(
    actor,
    'midi',
    { op: 'insert', address: `note:${actor}:${n}`, position: n, content_id: `${actor}-${n}`, content_summary: `C${n % 8} vel=${n % 128}` },
    ts,
  );
}

async function appendOne(log: SharedOpLog, actor: string, n: number): Promise<string> {
  const result = await log.append(noteOp(actor, n, log.nextLamportTs()));
  acked.push(result.opId);
  await window.reportAck?.(result.opId);
  return result.opId;
}

/** Every stored entry, each op id re-verified here; damaged entries are listed, not thrown. */
function verifyAll(entries: OpEntry[]): { ids: string[]; bad: string[] } {
  const bad: string[] = [];
  for (const e of entries) {
    try {
      verifyOpEntry(e);
    } catch (err) {
      bad.push(`${e.op_id}: ${String(err)}`);
    }
  }
  return { ids: entries.map((e) => e.op_id), bad };
}

const api = {
  async open(sessionId: string, backend: Backend): Promise<{ role: string; tabId: string }> {
    shared = await SharedOpLog.open({ sessionId, adapter: () => adapterFor(backend) });
    shared.subscribe((ops) => {
      for (const e of ops.entries) seen.push(e.op_id);
    });
    shared.onLeaderChange((c) => leaders.push(c.leaderId));
    return { role: shared.role, tabId: shared.tabId };
  },
  role: () => requireShared().role,
  tabId: () => requireShared().tabId,
  leaderId: () => requireShared().leaderId,
  leaders: () => [...leaders],
  acked: () => [...acked],
  seen: () => [...seen],

  /** Append `count` ops: all in flight at once ('pipelined') or awaited one by one ('sequential'). Resolves to their ids. */
  async append(actor: string, count: number, mode: 'pipelined' | 'sequential'): Promise<string[]> {
    const log = requireShared();
    if (mode === 'pipelined') return Promise.all(Array.from({ length: count }, (_, n) => appendOne(log, actor, n)));
    const ids: string[] = [];
    for (let n = 0; n < count; n++) ids.push(await appendOne(log, actor, n));
    return ids;
  },

  /** Start appending in the background, one at a time, with a pause between ops; see `streamResult`. */
  stream(actor: string, count: number, pauseMs: number): void {
    const log = requireShared();
    streaming = (async () => {
      let n = 0;
      try {
        for (; n < count; n++) {
          await appendOne(log, actor, n);
          if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        }
        return { acked: n };
      } catch (err) {
        return { acked: n, error: String(err) };
      }
    })();
  },
  streamResult: () => streaming ?? Promise.resolve({ acked: 0, error: 'no stream' }),

  async readAll(): Promise<{ ids: string[]; bad: string[] }> {
    return verifyAll(await requireShared().readAll());
  },

  async close(): Promise<void> {
    await shared?.close();
    shared = undefined;
  },

  /** Single tab, no SharedOpLog: build a log of `count` ops and export it as JSON lines. */
  async buildAndExport(sessionId: string, backend: Backend, count: number): Promise<{ jsonl: string; ids: string[] }> {
    const adapter = adapterFor(backend);
    const log = await OpLog.open(adapter, sessionId);
    try {
      let parents: string[] = [];
      for (let n = 0; n < count; n++) {
        const entry = makeOpEntry(
          `browser-${n % 3}`,
          n % 5 === 0 ? 'code' : 'midi',
          n % 7 === 0
            ? { op: 'mutate', address: `track:${n}`, entity_id: `e${n}`, old_content_id: 'a', new_content_id: 'b', fields: { velocity: { old: '80', new: '96' } }, old_summary: 'vel 80', new_summary: 'vel 96 ♪ ünïcødé 🎹', position: null }
            : { op: 'insert', address: `note:${n}`, position: n, content_id: `c${n}`, content_summary: `note ${n} "q" \\ \u0001` },
          log.nextLamportTs(),
          { parentOpIds: parents, intentId: n % 2 ? `intent-${n}` : '' },
        );
        await log.append(entry);
        parents = [entry.op_id];
      }
      return { jsonl: await exportJsonl(log), ids: (await log.readAll()).map((e) => e.op_id) };
    } finally {
      await log.close();
      await adapter.close();
    }
  },

  /** Single tab: import JSON lines (every op id verified) into a session, then read it back verified. */
  async importAndRead(
    sessionId: string,
    backend: Backend,
    jsonl: string,
  ): Promise<{ appended: number; duplicates: number; ids: string[]; bad: string[] }> {
    const adapter = adapterFor(backend);
    const log = await OpLog.open(adapter, sessionId);
    try {
      const result = await importJsonl(log, jsonl);
      return { ...result, ...verifyAll(await log.readAll()) };
    } finally {
      await log.close();
      await adapter.close();
    }
  },

  /** Import JSON lines and report the typed error's code, for input that must be refused. */
  async importRejected(sessionId: string, backend: Backend, jsonl: string): Promise<{ code: string; stored: number }> {
    const adapter = adapterFor(backend);
    const log = await OpLog.open(adapter, sessionId);
    try {
      const code = await importJsonl(log, jsonl).then(
        () => 'none',
        (err: unknown) => (err as { code?: string }).code ?? String(err),
      );
      return { code, stored: log.length };
    } finally {
      await log.close();
      await adapter.close();
    }
  },
};

window.museE2E = api;
document.title = 'muse-oplog e2e ready';
