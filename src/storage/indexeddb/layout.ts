/**
 * Keys in the one object store (array keys sort by element, so each kind and
 * each session's chunks are contiguous ranges):
 *   ['m', session]            → { length }      meta, written with every append
 *   ['c', session, k]         → string          records k*CHUNK … joined by '\n'
 *   ['d', session, name]      → string          a document
 * Records never contain '\n' (the contract), so a chunk splits back exactly.
 */
export const STORE_NAME = 'oplog';
export const CHUNK = 512;

export interface SessionMeta {
  length: number;
}

export const metaKey = (session: string): IDBValidKey => ['m', session];
export const chunkKey = (session: string, k: number): IDBValidKey => ['c', session, k];
export const docKey = (session: string, name: string): IDBValidKey => ['d', session, name];

export function splitChunk(text: string): string[] {
  return text.split('\n');
}
