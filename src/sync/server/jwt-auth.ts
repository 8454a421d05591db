/**
 * JWTs signed by the app's own backend, verified with `jose`: HS256 with a
 * shared secret, or ES256 / EdDSA with a public key (PEM, SPKI). Claims:
 * `sub`, `sessions` (array, "*" for any), optional `actors`, `scope` ("r" or
 * "rw", default "rw"), and `exp` (required).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errors, jwtVerify } from 'jose';
import { TokenRefused, parseGrant, type Authenticator, type Grant } from './auth.js';

export interface JwtAuthOptions {
  /** Seconds of clock skew allowed for exp/nbf (default 30). */
  clockToleranceSeconds?: number;
  /** Required `iss` / `aud`, if the backend sets them. */
  issuer?: string;
  audience?: string;
}

export class JwtAuth implements Authenticator {
  private constructor(
    private readonly key: KeyObject,
    private readonly algorithms: string[],
    private readonly options: JwtAuthOptions,
  ) {}

  /** HS256 with a shared secret (at least 32 bytes). */
  static fromSecret(secret: string | Uint8Array, options: JwtAuthOptions = {}): JwtAuth {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (bytes.length < 32) throw new TypeError('JWT secret: must be at least 32 bytes');
    return new JwtAuth(createSecretKey(bytes), ['HS256'], options);
  }

  /** ES256 (a P-256 key) or EdDSA (an Ed25519 key), from a PEM public key. */
  static fromPublicKey(pem: string, options: JwtAuthOptions = {}): JwtAuth {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return new JwtAuth(key, ['EdDSA', 'Ed25519'], options);
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return new JwtAuth(key, ['ES256'], options);
    throw new TypeError(`JWT public key: must be Ed25519 or EC P-256 (got ${key.asymmetricKeyType})`);
  }

  /** The secret file's contents (a trailing newline is ignored). */
  static async fromSecretFile(path: string, options?: JwtAuthOptions): Promise<JwtAuth> {
    return JwtAuth.fromSecret((await readFile(path, 'utf8')).replace(/\r?\n$/, ''), options);
  }

  static async fromPublicKeyFile(path: string, options?: JwtAuthOptions): Promise<JwtAuth> {
    return JwtAuth.fromPublicKey(await readFile(path, 'utf8'), options);
  }

  async authenticate(token: string): Promise<Grant> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenRefused('token expired');
      if (err instanceof errors.JOSEError) throw new TokenRefused(`invalid token (${err.code})`);
      throw new TokenRefused('invalid token');
    }
    try {
      return parseGrant(String(payload.sub), payload, 'token claims');
    } catch (err) {
      throw new TokenRefused(`invalid token: ${(err as Error).message}`);
    }
  }
}
