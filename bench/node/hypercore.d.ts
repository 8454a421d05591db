// hypercore ships no types; the little the benchmark uses.
declare module 'hypercore' {
  import type { Readable } from 'node:stream';
  export default class Hypercore {
    constructor(storage: string, options?: Record<string, unknown>);
    readonly length: number;
    ready(): Promise<void>;
    append(block: Uint8Array | Uint8Array[]): Promise<{ length: number; byteLength: number }>;
    get(index: number): Promise<Uint8Array | null>;
    setUserData(key: string, value: Uint8Array | string): Promise<void>;
    getUserData(key: string): Promise<Uint8Array | null>;
    createReadStream(options?: { start?: number; end?: number }): Readable & AsyncIterable<Uint8Array>;
    close(): Promise<void>;
  }
}
