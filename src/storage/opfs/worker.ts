/**
 * The dedicated worker behind `OpfsAdapter`. It owns every synchronous access
 * handle (one pair per open session: ops.jsonl and ops.idx), and answers the
 * main thread's requests (`protocol.ts`) one at a time, in arrival order.
 */
import { SessionLockedError, StorageError } from '../../core/errors.js';
import { toWireError } from '../../core/wire-error.js';
import { DEFAULT_STRIDE, JsonlLog, type RandomAccessFile, type Recovery } from '../jsonl/index.js';
import { errorName, opfsRoot, type IterableDirectory, type SyncAccessHandle, type SyncFileHandle } from './fs-types.js';
import type { Reply, Request } from './protocol.js';

/** A read batch stops growing past this many bytes (it always holds at least one record). */
const MAX_BATCH_BYTES = 4 << 20;

interface OpenSession {
  base: FileSystemDirectoryHandle;
  dir: FileSystemDirectoryHandle;
  log: JsonlLog;
  handles: [SyncAccessHandle, SyncAccessHandle];
}

const sessions = new Map<string, OpenSession>();
const encoder = new TextEncoder();

interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

/**
 * Requests run in arrival order. Appends and reads are synchronous (sync
 * access handles), so when nothing asynchronous is in flight they are answered
 * within the message task itself, without promise hops: this is the latency
 * of an awaited append.
 */
let inFlight: Promise<void> | undefined;
scope.onmessage = (event) => {
  const req = event.data;
  const job = inFlight ? inFlight.then(() => run(req)) : run(req);
  if (!job) return;
  inFlight = job;
  void job.then(() => {
    if (inFlight === job) inFlight = undefined;
  });
};

/** Answer one request; a promise when it has asynchronous work left. */
function run(req: Request): Promise<void> | undefined {
  const transfer: Transferable[] = [];
  const fail = (err: unknown) => scope.postMessage({ id: req.id, ok: false, error: toWireError(err) });
  let value: unknown;
  try {
    value = dispatch(req, transfer);
  } catch (err) {
    fail(err);
    return undefined;
  }
  if (value instanceof Promise) return value.then((v) => scope.postMessage({ id: req.id, ok: true, value: v }, transfer), fail);
  scope.postMessage({ id: req.id, ok: true, value }, transfer);
  return undefined;
}

function dispatch(req: Request, transfer: Transferable[]): unknown {
  switch (req.type) {
    case 'open':
      return open(req.root, req.session);
    case 'append': {
      const s = get(req.session);
      s.log.append(req.records, req.flush);
      return s.log.length;
    }
    case 'read': {
      const r = get(req.session).log.readLines(req.position, req.offset, req.count, MAX_BATCH_BYTES);
      const whole = r.bytes.byteOffset === 0 && r.bytes.byteLength === r.bytes.buffer.byteLength;
      const bytes = (whole ? r.bytes : r.bytes.slice()).buffer as ArrayBuffer;
      transfer.push(bytes);
      return { bytes, count: r.count, nextOffset: r.nextOffset };
    }
    case 'readDoc':
      return readDoc(get(req.session).dir, req.name);
    case 'writeDoc': {
      const s = get(req.session);
      // The contract: a document is durable no earlier than the appends made before it.
      if (s.log.unsynced) s.log.sync();
      return writeDoc(s.dir, req.name, req.text, req.flush);
    }
    case 'close':
      return close(req.session);
    case 'list':
      return list(req.root);
    case 'probe':
      return probe(req.root);
  }
}

function get(session: string): OpenSession {
  const s = sessions.get(session);
  if (!s) throw new StorageError(`session ${JSON.stringify(session)} is not open in the OPFS worker`);
  return s;
}

/** `<root…>/.muse/op_log`, created when `create`; undefined when missing. */
async function opLogDir(root: string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  let dir = await opfsRoot();
  try {
    for (const name of [...root, '.muse', 'op_log']) dir = await dir.getDirectoryHandle(name, { create });
  } catch (err) {
    if (!create && errorName(err) === 'NotFoundError') return undefined;
    throw err;
  }
  return dir;
}

async function open(root: string[], session: string) {
  if (sessions.has(session)) throw new SessionLockedError(session, lockName(session), 'open in this worker');
  const base = (await opLogDir(root, true))!;
  const dir = await base.getDirectoryHandle(session, { create: true });
  const opsFile = (await dir.getFileHandle('ops.jsonl', { create: true })) as SyncFileHandle;
  const ops = await opsFile.createSyncAccessHandle().catch((err: unknown) => {
    // Another tab (or worker) holds the file: sync access handles are exclusive.
    if (errorName(err) === 'NoModificationAllowedError' || errorName(err) === 'InvalidStateError') {
      throw new SessionLockedError(session, lockName(session), 'ops.jsonl is open elsewhere');
    }
    throw err;
  });
  try {
    const idxFile = (await dir.getFileHandle('ops.idx', { create: true })) as SyncFileHandle;
    const idx = await idxFile.createSyncAccessHandle();
    const log = new JsonlLog(handleFile(ops), handleFile(idx), DEFAULT_STRIDE, `ops.jsonl of ${JSON.stringify(session)}`);
    try {
      const result = log.recover() as Recovery; // synchronous: flush() is
      sessions.set(session, { base, dir, log, handles: [ops, idx] });
      return result;
    } catch (err) {
      idx.close();
      throw err;
    }
  } catch (err) {
    ops.close();
    throw err;
  }
}

async function close(session: string): Promise<void> {
  const s = sessions.get(session);
  if (!s) return;
  sessions.delete(session);
  const empty = s.log.length === 0;
  try {
    s.handles[0].close();
  } finally {
    s.handles[1].close();
  }
  // A session that never stored anything leaves no folder (listSessions, like the reference, lists folders).
  if (empty && !(await hasDocs(s.dir))) await s.base.removeEntry(session, { recursive: true }).catch(() => {});
}

async function hasDocs(dir: FileSystemDirectoryHandle): Promise<boolean> {
  for await (const [name, h] of (dir as IterableDirectory).entries()) {
    if (h.kind === 'file' && name.endsWith('.json')) return true;
  }
  return false;
}

async function list(root: string[]): Promise<string[]> {
  const base = await opLogDir(root, false);
  if (!base) return [];
  const out: string[] = [];
  for await (const [name, h] of (base as IterableDirectory).entries()) {
    if (h.kind !== 'directory') continue;
    const dir = h as FileSystemDirectoryHandle;
    const open = sessions.get(name);
    if (open ? open.log.length > 0 : (await storedRecords(dir)) || (await hasDocs(dir))) out.push(name);
  }
  return out;
}

/** Whether ops.jsonl holds anything. A file another tab holds open (getFile refuses it) is being written: it counts. */
async function storedRecords(dir: FileSystemDirectoryHandle): Promise<boolean> {
  try {
    return (await (await dir.getFileHandle('ops.jsonl')).getFile()).size > 0;
  } catch (err) {
    return errorName(err) !== 'NotFoundError' && errorName(err) !== 'TypeMismatchError';
  }
}

const docFile = (name: string) => `${name}.json`;

async function readDoc(dir: FileSystemDirectoryHandle, name: string): Promise<string | undefined> {
  try {
    const fh = await dir.getFileHandle(docFile(name));
    return await (await fh.getFile()).text();
  } catch (err) {
    if (errorName(err) === 'NotFoundError') return undefined;
    throw err;
  }
}

/** Temp file, write, flush, then `move()` over the old one: readers see the old document or the new. */
async function writeDoc(dir: FileSystemDirectoryHandle, name: string, text: string, flush: boolean): Promise<void> {
  const tmpName = `${docFile(name)}.tmp`;
  const tmp = (await dir.getFileHandle(tmpName, { create: true })) as SyncFileHandle;
  const h = await tmp.createSyncAccessHandle();
  try {
    const bytes = encoder.encode(text);
    h.truncate(0);
    const written = h.write(bytes, { at: 0 });
    if (written !== bytes.length) {
      throw new StorageError(`short write of ${name}: ${written} of ${bytes.length} bytes (storage quota exceeded?)`);
    }
    if (flush) h.flush();
  } catch (err) {
    h.close();
    await dir.removeEntry(tmpName).catch(() => {});
    throw err;
  }
  h.close();
  await tmp.move(dir, docFile(name));
}

/** The feature test: a sync access handle on a probe file can write and flush. */
async function probe(root: string[]): Promise<void> {
  let dir = await opfsRoot();
  for (const name of root) dir = await dir.getDirectoryHandle(name, { create: true });
  const name = `.muse-oplog-probe-${Math.random().toString(36).slice(2)}`;
  const fh = (await dir.getFileHandle(name, { create: true })) as SyncFileHandle;
  try {
    if (typeof fh.createSyncAccessHandle !== 'function') throw new StorageError('no createSyncAccessHandle');
    const h = await fh.createSyncAccessHandle();
    try {
      const bytes = encoder.encode('probe\n');
      if (h.write(bytes, { at: 0 }) !== bytes.length) throw new StorageError('probe write was short');
      h.flush();
      const back = new Uint8Array(bytes.length);
      if (h.read(back, { at: 0 }) !== bytes.length || back[0] !== bytes[0]) throw new StorageError('probe read back differs');
    } finally {
      h.close();
    }
  } finally {
    await dir.removeEntry(name).catch(() => {});
  }
}

/** What a SessionLockedError from the worker names: the session's exclusive file. */
function lockName(session: string): string {
  return `opfs:${session}/ops.jsonl`;
}

/** A sync access handle as the JSON-lines format's file. */
function handleFile(h: SyncAccessHandle): RandomAccessFile {
  return {
    size: () => h.getSize(),
    read: (into, at) => h.read(into, { at }),
    write: (bytes, at) => h.write(bytes, { at }),
    truncate: (size) => h.truncate(size),
    sync: () => h.flush(),
  };
}
