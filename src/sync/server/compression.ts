/**
 * Response compression for JSON bodies (pulls are the big ones: catch-up
 * over a real network is bandwidth-bound). Brotli at quality 1 or gzip at
 * level 1, whichever the client accepts (brotli first): both shrink op JSON
 * about eightfold at a fraction of the cost of higher levels, and run on
 * libuv's thread pool, off the event loop. Event streams are never
 * compressed (each event must reach the client when it is sent); bodies
 * under 1 KiB are sent as they are.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const MIN_BYTES = 1024;

type Encoding = 'br' | 'gzip';

/** The encoding to use for an Accept-Encoding header, or undefined (identity). */
export function pickEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weight = (e: string) => q.get(e) ?? q.get('*') ?? 0;
  const br = weight('br');
  const gzipQ = weight('gzip');
  if (br > 0 && br >= gzipQ) return 'br';
  if (gzipQ > 0) return 'gzip';
  return undefined;
}

export function compressJson(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    const type = res.headers.get('Content-Type') ?? '';
    if (!/^application\/json\b/i.test(type) || res.headers.has('Content-Encoding') || c.req.method === 'HEAD' || !res.body) return;
    res.headers.append('Vary', 'Accept-Encoding');
    const encoding = pickEncoding(c.req.header('Accept-Encoding'));
    if (!encoding) return;
    const body = new Uint8Array(await res.arrayBuffer());
    let out: Uint8Array = body;
    if (body.byteLength >= MIN_BYTES) {
      out =
        encoding === 'br'
          ? await brotli(body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 1,
                [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
                [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              },
            })
          : await gz(body, { level: 1 });
    }
    const headers = new Headers(res.headers);
    headers.delete('Content-Length');
    if (out !== body) headers.set('Content-Encoding', encoding);
    c.res = undefined as unknown as Response; // Hono: replace, not merge, the response
    c.res = new Response(out as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers });
  };
}
