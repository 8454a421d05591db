/**
 * Who may do what: every request carries `Authorization: Bearer <token>`,
 * and an `Authenticator` turns the token into a `Grant` (or refuses it).
 * Two are built in: a tokens file (the embedded default) and JWTs signed by
 * the app's own backend (`jwt-auth.ts`). `firstOf` tries several in turn.
 */

export interface Grant {
  /** Who the token belongs to, for logs (never the token itself). */
  subject: string;
  /** Sessions the token covers: '*' is any session. */
  sessions: '*' | ReadonlySet<string>;
  /** Actor ids the token may write ops as; undefined is any actor. */
  actors?: ReadonlySet<string>;
  /** 'r': read only; 'rw': read and push. */
  scope: 'r' | 'rw';
}

/** Why a token was refused (answered 401 with this message). */
export class TokenRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRefused';
  }
}

export interface Authenticator {
  /** The token's grant; throws `TokenRefused` for an unknown, bad or expired token. */
  authenticate(token: string): Promise<Grant>;
}

export function coversSession(grant: Grant, sessionId: string): boolean {
  return grant.sessions === '*' || grant.sessions.has(sessionId);
}

export function mayWriteAs(grant: Grant, actorId: string): boolean {
  return grant.actors === undefined || grant.actors.has(actorId);
}

/**
 * A grant from untrusted JSON (a tokens file entry or JWT claims):
 * `sessions` (array of strings, "*" for any), optional `actors` (array of
 * strings), optional `scope` ("r" or "rw", default "rw").
 */
export function parseGrant(subject: string, value: unknown, where: string): Grant {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: must be an object`);
  const v = value as Record<string, unknown>;
  const sessions = stringArray(v.sessions, `${where}.sessions`);
  const actors = v.actors === undefined ? undefined : new Set(stringArray(v.actors, `${where}.actors`));
  const scope = v.scope ?? 'rw';
  if (scope !== 'r' && scope !== 'rw') throw new TypeError(`${where}.scope: must be "r" or "rw"`);
  return { subject, sessions: sessions.includes('*') ? '*' : new Set(sessions), actors, scope };
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw new TypeError(`${where}: must be an array of strings`);
  return value as string[];
}

/** Try each authenticator in turn; the first grant wins, else the last refusal. */
export function firstOf(...auths: Authenticator[]): Authenticator {
  if (auths.length === 0) throw new TypeError('firstOf: no authenticator given');
  return {
    async authenticate(token) {
      let last: unknown;
      for (const auth of auths) {
        try {
          return await auth.authenticate(token);
        } catch (err) {
          if (!(err instanceof TokenRefused)) throw err;
          last = err;
        }
      }
      throw last;
    },
  };
}
