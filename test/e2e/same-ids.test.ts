/**
 * Same ids everywhere: a log built in Chromium (on OPFS and on IndexedDB),
 * exported as JSON lines, imports in Node with every op id verified, and a
 * log built in Node imports in Chromium the same way. (The op id and RFC 8785
 * vectors run in Chromium in test/core/vectors.browser.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/core/entry.js';
import { exportJsonl, importJsonl, parseJsonl } from '../../src/core/jsonl.js';
import { OpLog } from '../../src/core/log.js';
import { NodeFsAdapter } from '../../src/storage/node-fs/index.js';
import { freshSession, startE2E, type Backend, type E2E } from './harness.js';

const backends: Backend[] = ['indexeddb', 'opfs'];

let e2e: E2E;
let page: Page;
let dir: string;
beforeAll(async () => {
  e2e = await startE2E();
  page = await e2e.newTab();
  dir = await mkdtemp(join(tmpdir(), 'muse-oplog-same-ids-'));
}, 60_000);
afterAll(async () => {
  await e2e?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Open a session on disk, run `body`, close it. */
async function withNodeLog<T>(session: string, body: (log: OpLog) => Promise<T>): Promise<T> {
  const adapter = new NodeFsAdapter(dir, { durability: 'os' });
  const log = await OpLog.open(adapter, session, { verifyReads: true });
  try {
    return await body(log);
  } finally {
    await log.close();
    await adapter.close();
  }
}

/** A Node-built log with the awkward values: Unicode, escapes, nested ops, several actors, parents. */
async function buildInNode(log: OpLog, count: number): Promise<string[]> {
  const ids: string[] = [];
  let parents: string[] = [];
  for (let n = 0; n < count; n++) {
    const entry = makeOpEntry(
      ['node-α', 'node-β', 'Zoë 🎹'][n % 3]!,
      n % 4 === 0 ? 'code' : 'midi',
      n % 6 === 0
        ? {
            op: 'patch',
            address: `track:${n}`,
            child_domain: 'midi',
            child_summary: 'nested',
            child_ops: [{ op: 'move', address: `note:${n}`, from_position: n, to_position: n + 1, content_id: `m${n}` }],
          }
        : { op: 'insert', address: `note:${n}`, position: n, content_id: `c${n}`, content_summary: `日本語 "q" \\ \t ${n}` },
      log.nextLamportTs(),
      { parentOpIds: parents, reservationId: n % 3 ? '' : `res-${n}` },
    );
    await log.append(entry);
    ids.push(entry.op_id);
    parents = [entry.op_id];
  }
  return ids;
}

describe.each(backends)('same ids everywhere (%s)', (backend) => {
  it('a log exported in Chromium imports in Node with every op id verified, byte for byte', async () => {
    const session = freshSession('from-browser');
    const built = await page.evaluate(([s, b]) => window.museE2E.buildAndExport(s, b, 300), [session, backend] as const);
    expect(built.ids).toHaveLength(300);
    // parseJsonl re-hashes every line in Node and checks it against its op_id.
    expect(parseJsonl(built.jsonl).map((e) => e.op_id)).toEqual(built.ids);
    const again = await withNodeLog(session, async (log) => {
      expect(await importJsonl(log, built.jsonl)).toEqual({ appended: 300, duplicates: 0 });
      expect((await log.readAll()).map((e) => e.op_id)).toEqual(built.ids);
      return exportJsonl(log);
    });
    expect(again).toBe(built.jsonl);
    // Reopened from disk, every record is verified again.
    await withNodeLog(session, async (log) => {
      expect((await log.readAll()).map((e) => e.op_id)).toEqual(built.ids);
    });
  });

  it('a log exported in Node imports in Chromium with every op id verified', async () => {
    const session = freshSession('from-node');
    const { ids, jsonl } = await withNodeLog(session, async (log) => ({
      ids: await buildInNode(log, 300),
      jsonl: await exportJsonl(log),
    }));
    const imported = await page.evaluate(([s, b, text]) => window.museE2E.importAndRead(s, b, text), [
      session,
      backend,
      jsonl,
    ] as const);
    expect(imported).toEqual({ appended: 300, duplicates: 0, ids, bad: [] });
    // Importing the same log again stores nothing new.
    const twice = await page.evaluate(([s, b, text]) => window.museE2E.importAndRead(s, b, text), [
      session,
      backend,
      jsonl,
    ] as const);
    expect(twice).toEqual({ appended: 0, duplicates: 300, ids, bad: [] });
  });

  it('a tampered line is refused in Chromium and nothing is stored', async () => {
    const session = freshSession('tampered');
    const jsonl = await withNodeLog(session, async (log) => {
      await buildInNode(log, 20);
      return exportJsonl(log);
    });
    const lines = jsonl.split('\n');
    lines[7] = lines[7]!.replace('"lamport_ts":8', '"lamport_ts":9');
    expect(lines[7]).not.toBe(jsonl.split('\n')[7]);
    const result = await page.evaluate(([s, b, text]) => window.museE2E.importRejected(s, b, text), [
      freshSession('tampered-target'),
      backend,
      lines.join('\n'),
    ] as const);
    expect(result).toEqual({ code: 'CORRUPT_RECORD', stored: 0 });
  });
});
