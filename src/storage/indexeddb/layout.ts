/**
 * Keys in the one object store (array keys sort by element, so each kind and
 * each session's chunks are contiguous ranges):
 *   ['m', session]            → { length }      meta, written with every append
 *   ['c', session, start]     → string          records start, start+1, … joined by '\n'
 *   ['d', session, name]      → string          a document
 * Records never contain '\n' (the contract), so a chunk splits back exactly.
 * Chunks are contiguous: each starts where the previous one ends.
 */
export const STORE_NAME = 'oplog';
/** Records per chunk, at most. */
export const CHUNK = 512;
/**
 * An append rewrites the last chunk (adding its records to it) only while that
 * chunk holds fewer than this many records; after that it starts a new one.
 * This keeps one-op appends from rewriting a large chunk each time, while a
 * chunk still holds many records.
 */
export const REWRITE_BELOW = 64;

export interface SessionMeta {
  length: number;
}

export const metaKey = (session: string): IDBValidKey => ['m', session];
export const chunkKey = (session: string, start: number): IDBValidKey => ['c', session, start];
export const docKey = (session: string, name: string): IDBValidKey => ['d', session, name];

export function splitChunk(text: string): string[] {
  return text.split('\n');
}
