/**
 * The small file interface the JSON-lines log format is written against.
 * The Node fs adapter provides it over a file descriptor, the OPFS worker
 * over a synchronous access handle, the tests over an in-memory fake that
 * injects short writes, failures and torn tails.
 */
export interface RandomAccessFile {
  /** Current size in bytes. */
  size(): number;
  /** Read into `into` from byte `at`; returns how many bytes were read (fewer only at the end of the file). */
  read(into: Uint8Array, at: number): number;
  /** Write `bytes` at byte `at`; returns how many were written (fewer: the storage is full or over quota). */
  write(bytes: Uint8Array, at: number): number;
  /** Cut (or extend with zeros) to `size` bytes. */
  truncate(size: number): void;
  /** Make what was written durable (fdatasync, flush); may run asynchronously. */
  sync(): void | Promise<void>;
}

/** Up to `length` bytes at `at`; fewer only at the end of the file. */
export function readAt(file: RandomAccessFile, at: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, length));
  let done = 0;
  while (done < out.length) {
    const n = file.read(out.subarray(done), at + done);
    if (n <= 0) break;
    done += n;
  }
  return done === out.length ? out : out.subarray(0, done);
}

/** Write all of `bytes` at `at`, looping over partial writes; throws `ShortWrite` when the file takes no more. */
export function writeAll(file: RandomAccessFile, bytes: Uint8Array, at: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = file.write(done === 0 ? bytes : bytes.subarray(done), at + done);
    if (!(n > 0)) throw new ShortWrite(done, bytes.length);
    done += n;
  }
}

/** A write the file took only part of: a full disk or a browser over its storage quota reports it this way. */
export class ShortWrite extends Error {
  constructor(
    readonly written: number,
    readonly wanted: number,
  ) {
    super(`short write: ${written} of ${wanted} bytes (storage full or over quota?)`);
    this.name = 'ShortWrite';
  }
}

/** Run `then` after `step`, synchronously when `step` was synchronous. */
export function after<T>(step: void | Promise<void>, then: () => T): T | Promise<T> {
  return step instanceof Promise ? step.then(then) : then();
}
