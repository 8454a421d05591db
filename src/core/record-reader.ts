/**
 * Reading a session's stored records back as entries: one decode loop for
 * every read of the log (reads, the op id index pass, the heads pass, open),
 * and the one place a damaged record is reported (`CorruptRecordError`) or,
 * under `onCorruptRecord: 'skip'`, left out of every later read and listed.
 */
import { decodeRecord, verifyOpEntry } from './entry.js';
import { CorruptRecordError } from './errors.js';
import type { SessionStorage } from './storage-port.js';
import type { OpEntry, OpShape } from './types.js';

export interface SkippedRecord {
  position: number;
  line: number;
  reason: string;
}

/** Entries decoded from one storage batch; `next` is the position after the batch. */
export interface DecodedBatch<Op extends OpShape> {
  entries: OpEntry<Op>[];
  positions: number[];
  next: number;
}

export class RecordReader<Op extends OpShape> {
  /** Positions of records skipped under 'skip': left out of every read. */
  private readonly skipped = new Set<number>();
  /** Records left out of reads under 'skip'. */
  readonly skippedRecords: SkippedRecord[] = [];

  constructor(
    private readonly storage: SessionStorage,
    private readonly onCorrupt: 'error' | 'skip',
    /** Re-hash every entry read back (`OpLogOptions.verifyReads`). */
    readonly verifyReads: boolean,
  ) {}

  /** Records [from, to) decoded a storage batch at a time; skipped records are left out. */
  async *batches(from: number, to: number, verify = this.verifyReads): AsyncIterable<DecodedBatch<Op>> {
    let position = from;
    for await (const records of this.storage.read(from, to)) {
      const entries: OpEntry<Op>[] = [];
      const positions: number[] = [];
      for (const record of records) {
        const entry = this.decode(record, position, verify);
        if (entry) {
          entries.push(entry);
          positions.push(position);
        }
        position++;
      }
      yield { entries, positions, next: position };
    }
  }

  /** Decode records [from, to) and hand each valid entry to `visit`. */
  async scan(from: number, to: number, verify: boolean, visit: (entry: OpEntry<Op>, position: number) => void): Promise<void> {
    for await (const batch of this.batches(from, to, verify)) {
      for (let k = 0; k < batch.entries.length; k++) visit(batch.entries[k]!, batch.positions[k]!);
    }
  }

  /** Every valid entry from `from` to the end, in record order. */
  async collect(from: number): Promise<OpEntry<Op>[]> {
    const out: OpEntry<Op>[] = [];
    await this.scan(from, this.storage.length, this.verifyReads, (entry) => out.push(entry));
    return out;
  }

  /**
   * Hand every stored record [from, to) to `visit` undecoded (for passes that
   * need only a field or two); a record `visit` throws on is reported as corrupt.
   */
  async raw(from: number, to: number, visit: (record: string, position: number) => void): Promise<void> {
    let position = from;
    for await (const batch of this.storage.read(from, to)) {
      for (const record of batch) {
        try {
          visit(record, position);
        } catch (err) {
          this.corrupt(position, err);
        }
        position++;
      }
    }
  }

  isSkipped(position: number): boolean {
    return this.skipped.has(position);
  }

  /** A valid entry, or undefined for a record skipped under 'skip'. */
  private decode(record: string, position: number, verify: boolean): OpEntry<Op> | undefined {
    if (this.skipped.has(position)) return undefined;
    try {
      const entry = decodeRecord(record);
      if (verify) verifyOpEntry(entry);
      return entry as unknown as OpEntry<Op>; // the app's statement of what the session holds
    } catch (err) {
      return this.corrupt(position, err);
    }
  }

  /** Report a damaged record: throw under 'error'; under 'skip', list it once and leave it out. */
  private corrupt(position: number, cause: unknown): undefined {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new CorruptRecordError(this.storage.sessionId, position, reason, { cause });
    if (this.onCorrupt === 'error') throw error;
    if (!this.skipped.has(position)) {
      this.skipped.add(position);
      this.skippedRecords.push({ position, line: error.line, reason });
    }
    return undefined;
  }
}
