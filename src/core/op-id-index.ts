/**
 * Op id → record position, for duplicate detection and lookups. Ids are
 * SHA-256 digests, so each is kept as its first 128 bits (4 × uint32) in one
 * flat open-addressing table, about 27 bytes per op, instead of a Set of
 * 64-char strings (over 100 bytes per op): a million-op log stays small in
 * memory. Two different ops sharing 128 bits of SHA-256 would take ~2^64
 * work to make on purpose, and the worst it could do is make the log treat
 * the second of two ops its author forged as a duplicate of the first.
 */
const WORDS = 4;
const EMPTY = 0;

export class OpIdIndex {
  private capacity = 0;
  private keys = new Uint32Array(0);
  /** position + 1, so 0 marks an empty slot. */
  private slots = new Uint32Array(0);
  private count = 0;
  private readonly scratch = new Uint32Array(WORDS);

  constructor(expected = 1024) {
    this.allocate(tableSize(expected));
  }

  get size(): number {
    return this.count;
  }

  /** The position recorded for `opId`, or undefined. */
  get(opId: string): number | undefined {
    const key = this.parse(opId);
    const slot = this.find(key);
    const value = this.slots[slot]!;
    return value === EMPTY ? undefined : value - 1;
  }

  has(opId: string): boolean {
    return this.get(opId) !== undefined;
  }

  /** Record `opId` at `position` unless present; returns false if it was already there. */
  add(opId: string, position: number): boolean {
    if ((this.count + 1) * 4 > this.capacity * 3) this.allocate(this.capacity * 2);
    const key = this.parse(opId);
    const slot = this.find(key);
    if (this.slots[slot] !== EMPTY) return false;
    const to = slot * WORDS;
    for (let w = 0; w < WORDS; w++) this.keys[to + w] = key[w]!;
    this.slots[slot] = position + 1;
    this.count++;
    return true;
  }

  /** The id's first 32 hex digits as words, without allocating (ids are validated lowercase hex before they get here). */
  private parse(opId: string): Uint32Array {
    let c = 0;
    for (let w = 0; w < WORDS; w++) {
      let word = 0;
      for (let k = 0; k < 8; k++) {
        const code = opId.charCodeAt(c++);
        word = (word << 4) | (code <= 57 ? code - 48 : code - 87);
      }
      this.scratch[w] = word >>> 0;
    }
    return this.scratch;
  }

  /** The slot holding `key`, or the empty slot where it would go (linear probing). */
  private find(key: Uint32Array): number {
    const mask = this.capacity - 1;
    for (let slot = key[0]! & mask; ; slot = (slot + 1) & mask) {
      if (this.slots[slot] === EMPTY) return slot;
      const base = slot * WORDS;
      let same = true;
      for (let w = 0; w < WORDS; w++) {
        if (this.keys[base + w] !== key[w]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
  }

  private allocate(capacity: number): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    this.capacity = capacity;
    this.keys = new Uint32Array(capacity * WORDS);
    this.slots = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let old = 0; old < oldSlots.length; old++) {
      if (oldSlots[old] === EMPTY) continue;
      const from = old * WORDS;
      let slot = oldKeys[from]! & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      const to = slot * WORDS;
      for (let w = 0; w < WORDS; w++) this.keys[to + w] = oldKeys[from + w]!;
      this.slots[slot] = oldSlots[old]!;
    }
  }
}

function tableSize(expected: number): number {
  let size = 16;
  while (size * 3 < expected * 4) size *= 2;
  return size;
}

/** One pass over records [0, length) that builds their op id index, noting the highest `lamport_ts` it saw. */
export class IndexPass {
  readonly index: OpIdIndex;
  highest = 0;

  constructor(length: number) {
    this.index = new OpIdIndex(length);
  }

  see(opId: string, position: number, lamportTs: number): void {
    this.index.add(opId, position);
    if (lamportTs > this.highest) this.highest = lamportTs;
  }
}
