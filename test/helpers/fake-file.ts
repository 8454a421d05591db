/**
 * An in-memory `RandomAccessFile` that fails on demand: a capacity (writes
 * past it are short, as on a full disk or over a browser quota), the next
 * write, sync or truncate throwing, a sync that runs asynchronously (as
 * Node's fdatasync does) or not (as OPFS flush), and a crash that keeps what
 * was synced plus any prefix of what was not (a torn tail).
 */
import type { RandomAccessFile } from '../../src/storage/jsonl/index.js';

export class FakeFile implements RandomAccessFile {
  bytes = new Uint8Array(0);
  /** What the last sync made durable. */
  durable = new Uint8Array(0);
  capacity = Infinity;
  failNext: { write?: Error; sync?: Error; truncate?: Error } = {};
  calls = { write: 0, sync: 0, truncate: 0 };

  constructor(
    text = '',
    readonly asyncSync = false,
  ) {
    this.bytes = new TextEncoder().encode(text);
    this.durable = this.bytes.slice();
  }

  get text(): string {
    return new TextDecoder().decode(this.bytes);
  }

  size(): number {
    return this.bytes.length;
  }

  read(into: Uint8Array, at: number): number {
    const part = this.bytes.subarray(at, at + into.length);
    into.set(part);
    return part.length;
  }

  write(bytes: Uint8Array, at: number): number {
    this.calls.write++;
    const fault = this.failNext.write;
    if (fault) {
      delete this.failNext.write;
      throw fault;
    }
    const n = Math.max(0, Math.min(bytes.length, this.capacity - at));
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(at + n);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(bytes.subarray(0, n), at);
    return n;
  }

  truncate(size: number): void {
    this.calls.truncate++;
    const fault = this.failNext.truncate;
    if (fault) {
      delete this.failNext.truncate;
      throw fault;
    }
    const out = new Uint8Array(size);
    out.set(this.bytes.subarray(0, size));
    this.bytes = out;
  }

  sync(): void | Promise<void> {
    this.calls.sync++;
    const fault = this.failNext.sync;
    if (fault) delete this.failNext.sync;
    const run = () => {
      if (fault) throw fault;
      this.durable = this.bytes.slice();
    };
    return this.asyncSync ? Promise.resolve().then(run) : run();
  }

  /** The file after a power cut: the synced bytes, then the first `keep` bytes of what followed them unsynced. */
  crash(keep = 0): FakeFile {
    const after = new FakeFile('', this.asyncSync);
    const common = commonPrefix(this.durable, this.bytes);
    const bytes = new Uint8Array(this.durable.length > common ? this.durable : this.bytes.subarray(0, common + keep));
    after.bytes = bytes;
    after.durable = bytes.slice();
    return after;
  }

  /** The same bytes, as a fresh handle (a reopen after a clean close). */
  reopen(): FakeFile {
    const again = new FakeFile('', this.asyncSync);
    again.bytes = this.bytes.slice();
    again.durable = again.bytes.slice();
    return again;
  }
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
