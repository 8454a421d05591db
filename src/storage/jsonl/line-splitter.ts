import { NEWLINE } from './lines.js';

const decoder = new TextDecoder('utf-8');

/**
 * Turns a stream of byte chunks (read from a line start) into complete
 * lines, decoded as UTF-8. A line may span any number of chunks.
 */
export class LineSplitter {
  private carry: Uint8Array[] = [];
  private carryBytes = 0;

  /**
   * The complete lines that `chunk` finishes, oldest first. What is kept of
   * `chunk` is copied (not `slice`d: on a Node Buffer that is a view), so the
   * caller may reuse its buffer.
   */
  push(chunk: Uint8Array): string[] {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      if (chunk.length > 0) this.keep(new Uint8Array(chunk));
      return [];
    }
    let head = chunk.subarray(0, last);
    if (this.carryBytes > 0) {
      head = concat([...this.carry, head], this.carryBytes + head.length);
      this.carry = [];
      this.carryBytes = 0;
    }
    if (last + 1 < chunk.length) this.keep(new Uint8Array(chunk.subarray(last + 1)));
    return decoder.decode(head).split('\n');
  }

  /** Bytes of an unfinished line held back (a torn tail, if the input has ended). */
  get pending(): number {
    return this.carryBytes;
  }

  private keep(bytes: Uint8Array): void {
    this.carry.push(bytes);
    this.carryBytes += bytes.length;
  }
}

export function concat(parts: readonly Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
