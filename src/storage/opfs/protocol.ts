import type { WireError } from '../../core/wire-error.js';

/**
 * Messages between `OpfsAdapter` (main thread) and its dedicated worker.
 * Every request carries an `id`; the worker answers each with exactly one
 * `Reply` of the same id, in the order it finished them.
 */

export type Request =
  | { id: number; type: 'open'; root: string[]; session: string }
  | { id: number; type: 'append'; session: string; records: string[]; flush: boolean }
  | { id: number; type: 'read'; session: string; position: number; offset: number | null; count: number }
  | { id: number; type: 'readDoc'; session: string; name: string }
  | { id: number; type: 'writeDoc'; session: string; name: string; text: string; flush: boolean }
  | { id: number; type: 'close'; session: string }
  | { id: number; type: 'list'; root: string[] }
  | { id: number; type: 'probe'; root: string[] };

/** What open found and repaired (see `JsonlLog.recover`). */
export type { Recovery as OpenResult } from '../jsonl/index.js';

export interface ReadResult {
  /** Exactly `count` complete lines, each ending in '\n' (transferred, not copied). */
  bytes: ArrayBuffer;
  count: number;
  /** Byte offset just past the last line returned: where the next batch starts. */
  nextOffset: number;
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };
