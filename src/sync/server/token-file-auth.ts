/**
 * The tokens file, JSON: `{"<token>": {"sessions": ["jam-1"], "actors":
 * ["alice"], "scope": "rw"}}`. `"sessions": ["*"]` is any session; no
 * `actors` key is any actor; `"scope": "r"` is read-only. Tokens are held as
 * SHA-256 digests, so a lookup does not compare secrets byte by byte.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TokenRefused, parseGrant, type Authenticator, type Grant } from './auth.js';

const digest = (token: string) => createHash('sha256').update(token).digest('base64');

export class TokenFileAuth implements Authenticator {
  private readonly grants = new Map<string, Grant>();

  /** `tokens`: the parsed tokens file. Throws `TypeError` naming the bad entry. */
  constructor(tokens: unknown) {
    if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) throw new TypeError('tokens file: must be a JSON object');
    let n = 0;
    for (const [token, value] of Object.entries(tokens)) {
      n++;
      if (token.length < 8) throw new TypeError(`tokens file: entry ${n}: a token must be at least 8 characters`);
      // The subject shown in logs: the entry's "sub" if any, else its position in the file.
      const sub = (value as { sub?: unknown } | null)?.sub;
      this.grants.set(digest(token), parseGrant(typeof sub === 'string' ? sub : `token#${n}`, value, `tokens file: entry ${n}`));
    }
  }

  static async fromFile(path: string): Promise<TokenFileAuth> {
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TypeError(`tokens file ${path}: not JSON (${(err as Error).message})`);
    }
    return new TokenFileAuth(json);
  }

  async authenticate(token: string): Promise<Grant> {
    const grant = this.grants.get(digest(token));
    if (!grant) throw new TokenRefused('unknown token');
    return grant;
  }
}
