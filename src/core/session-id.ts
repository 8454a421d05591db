import { isWellFormed } from './canonical-json.js';
import { InvalidSessionIdError } from './errors.js';

const MAX_SESSION_ID_BYTES = 200;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Session ids become folder and key names, so they are checked before any
 * storage sees them. Refused: empty, `.`, `..`, `/`, `\`, NUL and other
 * control characters, lone surrogates, and over 200 UTF-8 bytes. Any other
 * Unicode is fine.
 */
export function assertValidSessionId(sessionId: unknown): asserts sessionId is string {
  if (typeof sessionId !== 'string') throw new InvalidSessionIdError(sessionId, 'must be a string');
  if (sessionId.length === 0) throw new InvalidSessionIdError(sessionId, 'must not be empty');
  if (sessionId === '.' || sessionId === '..') throw new InvalidSessionIdError(sessionId, 'is a path step');
  if (sessionId.includes('/') || sessionId.includes('\\')) {
    throw new InvalidSessionIdError(sessionId, 'must not contain / or \\');
  }
  if (CONTROL.test(sessionId)) throw new InvalidSessionIdError(sessionId, 'must not contain control characters');
  if (!isWellFormed(sessionId)) throw new InvalidSessionIdError(sessionId, 'contains a lone surrogate');
  const bytes = new TextEncoder().encode(sessionId).length;
  if (bytes > MAX_SESSION_ID_BYTES) {
    throw new InvalidSessionIdError(sessionId, `is ${bytes} UTF-8 bytes (at most ${MAX_SESSION_ID_BYTES})`);
  }
}

export function isValidSessionId(sessionId: unknown): sessionId is string {
  try {
    assertValidSessionId(sessionId);
    return true;
  } catch {
    return false;
  }
}
