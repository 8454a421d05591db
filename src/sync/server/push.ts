/**
 * Checking a push body before anything is stored: `{"ops": [OpEntry, ...]}`,
 * at most `maxOpsPerPush` ops, each a valid entry whose id matches its
 * content, at most `maxOpBytes` as stored, written as an actor the token
 * allows. The first offending op is named by its index.
 */
import { acceptEntry } from '../../core/entry.js';
import type { OpEntry } from '../../core/types.js';
import { mayWriteAs, type Grant } from './auth.js';
import { badRequest, entryRefusal, forbidden, tooLarge } from './http-error.js';
import type { SyncLimits } from './limits.js';

export function checkPushBody(body: unknown, limits: SyncLimits, grant: Grant): OpEntry[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object {"ops": [...]}');
  const ops = (body as { ops?: unknown }).ops;
  if (!Array.isArray(ops)) throw badRequest('the body must have an "ops" array');
  if (ops.length > limits.maxOpsPerPush) throw tooLarge(`${ops.length} ops in one push (at most ${limits.maxOpsPerPush})`);
  const out: OpEntry[] = [];
  ops.forEach((op: unknown, index) => {
    let checked: ReturnType<typeof acceptEntry>;
    try {
      // Verified once here; the store's log then skips a second hash (the entry is frozen and marked).
      checked = acceptEntry(op);
    } catch (err) {
      throw entryRefusal(err, index);
    }
    // Each UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when it may matter.
    if (checked.record.length * 3 > limits.maxOpBytes) {
      const bytes = Buffer.byteLength(checked.record, 'utf8');
      if (bytes > limits.maxOpBytes) throw tooLarge(`ops[${index}] is ${bytes} bytes (at most ${limits.maxOpBytes})`, index);
    }
    if (!mayWriteAs(grant, checked.entry.actor_id)) {
      throw forbidden(`ops[${index}]: this token may not write as actor ${JSON.stringify(checked.entry.actor_id)}`, index);
    }
    out.push(checked.entry as OpEntry);
  });
  return out;
}
