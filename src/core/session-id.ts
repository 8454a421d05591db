import { isWellFormed } from './canonical-json.js';
import { InvalidSessionIdError } from './errors.js';

const MAX_SESSION_ID_BYTES = 200;
// Windows device names, alone or with an extension, any case (superscript digits included, as Windows does).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\..*)?$/i;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Session ids become folder and key names, so they are checked before any
 * storage sees them. Refused: empty, `.`, `..`, `/`, `\`, NUL and other
 * control characters, lone surrogates, over 200 UTF-8 bytes, and names that
 * another file system would alias or reserve: Windows device names (`CON`,
 * `NUL`, `COM1`, `lpt2.txt`, any case), a trailing `.` or space (Windows drops
 * them), and text not in Unicode NFC (macOS file systems give the NFC and NFD
 * spellings of `é` one folder; normalise with `id.normalize('NFC')`). Any
 * other Unicode is fine. Ids that differ only in letter case are distinct
 * sessions, but share one folder on case-insensitive file systems (macOS,
 * Windows): there the writer lock still keeps them to one writer.
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
  if (WINDOWS_DEVICE.test(sessionId)) throw new InvalidSessionIdError(sessionId, 'is a reserved device name on Windows');
  if (sessionId.endsWith('.') || sessionId.endsWith(' ')) {
    throw new InvalidSessionIdError(sessionId, 'must not end with a dot or a space (Windows drops them)');
  }
  if (sessionId.normalize('NFC') !== sessionId) {
    throw new InvalidSessionIdError(sessionId, 'must be in Unicode NFC form (macOS stores NFC and NFD spellings as one name)');
  }
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
