// Placeholder until SyncClient lands (client branch).
import type { SessionLog } from '../../src/core/session-log.js';
import type { NoteOp } from '../model/ops.js';
import type { Editor } from './editor.js';
import type { SyncStatus } from './sync-status.js';

export function startSync(
  _log: SessionLog<NoteOp>,
  _server: { url: string; token: string },
  editor: Editor,
  publish: (patch: Partial<SyncStatus>) => void,
): { stop(): void; hasUnsynced(): boolean; syncNow(): void } {
  const update = () => publish({ state: 'offline', pending: editor.ops.length });
  const off = editor.onChange(update);
  update();
  return { stop: off, hasUnsynced: () => editor.ops.length > 0, syncNow() {} };
}
