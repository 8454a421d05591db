/**
 * JWTs signed by the app's backend, against real server processes: HS256
 * with --jwt-secret, ES256 and EdDSA with --jwt-public-key. Claims: sub,
 * sessions, optional actors, scope, exp.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';
import { opsFile, pull, push } from './http.js';

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) {
    expect(await s.stop()).toBe(0);
    s.cleanup();
  }
});

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const hsKey = new TextEncoder().encode(SECRET);

function sign(claims: Record<string, unknown>, key: Uint8Array | KeyObject, alg: string, expiresIn: string | number = '5m'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt();
  if (expiresIn !== 'none') jwt.setExpirationTime(expiresIn);
  return jwt.sign(key);
}

describe('HS256 (--jwt-secret)', () => {
  it('grants what the claims say, and refuses bad, expired and unsigned tokens with 401', async () => {
    const s = await startServerProcess({ tokens: {}, files: { secret: `${SECRET}\n` }, args: (f) => ['--jwt-secret', f.secret!] });
    servers.push(s);

    const alice = await sign({ sub: 'alice@app', sessions: ['jam-1'], actors: ['alice'], scope: 'rw' }, hsKey, 'HS256');
    const ops = sampleOps(3, 'alice');
    expect((await push(s.url, 'jam-1', alice, ops)).body).toEqual({ accepted: 3, duplicates: 0, head: 3 });
    expect((await pull(s.url, 'jam-1', alice)).body.head).toBe(3);
    const before = opsFile(s, 'jam-1');

    // 403: another session, another actor (with its index), a read-only token pushing.
    expect((await push(s.url, 'jam-2', alice, sampleOps(1, 'alice'))).status).toBe(403);
    const asBob = await push(s.url, 'jam-1', alice, [...sampleOps(1, 'alice'), ...sampleOps(1, 'bob')]);
    expect(asBob.status).toBe(403);
    expect(asBob.body.error.index).toBe(1);
    const reader = await sign({ sub: 'viewer', sessions: ['*'], scope: 'r' }, hsKey, 'HS256');
    expect((await pull(s.url, 'jam-1', reader)).status).toBe(200);
    expect((await push(s.url, 'jam-1', reader, sampleOps(1))).status).toBe(403);

    // 401: expired, wrong secret, no exp, alg none, garbage claims.
    const refusals = [
      await sign({ sub: 'alice@app', sessions: ['*'] }, hsKey, 'HS256', Math.floor(Date.now() / 1000) - 3600),
      await sign({ sub: 'alice@app', sessions: ['*'] }, new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'), 'HS256'),
      await sign({ sub: 'alice@app', sessions: ['*'] }, hsKey, 'HS256', 'none'),
      await sign({ sub: 'alice@app', sessions: 'jam-1' }, hsKey, 'HS256'),
      await sign({ sessions: ['*'] }, hsKey, 'HS256'),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', sessions: ['*'], exp: 9999999999 })).toString('base64url')}.`,
    ];
    for (const [i, token] of refusals.entries()) {
      const res = await push(s.url, 'jam-1', token, sampleOps(1, 'alice'));
      expect(res.status, `refusal ${i}`).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    }
    const expired = await push(s.url, 'jam-1', refusals[0]!, sampleOps(1, 'alice'));
    expect(expired.body.error.message).toMatch(/expired/);

    expect(opsFile(s, 'jam-1')).toBe(before);
    expect(opsFile(s, 'jam-2')).toBe('');
  });
});

describe('public keys (--jwt-public-key)', () => {
  for (const [alg, kind] of [
    ['ES256', 'ec'],
    ['EdDSA', 'ed25519'],
  ] as const) {
    it(`${alg}: verifies with the public key, refuses another key's signature`, async () => {
      const pair = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const other = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const s = await startServerProcess({ files: { 'key.pem': pem }, args: (f) => ['--jwt-public-key', f['key.pem']!] });
      servers.push(s);
      const good = await sign({ sub: 'u1', sessions: ['k'], scope: 'rw' }, pair.privateKey, alg);
      expect((await push(s.url, 'k', good, sampleOps(2))).body).toMatchObject({ accepted: 2, head: 2 });
      const forged = await sign({ sub: 'u1', sessions: ['k'], scope: 'rw' }, other.privateKey, alg);
      expect((await push(s.url, 'k', forged, sampleOps(2))).status).toBe(401);
      // The tokens file still works beside the JWTs.
      expect((await pull(s.url, 'k', 'test-token-rw-all')).body.head).toBe(2);
    });
  }
});
