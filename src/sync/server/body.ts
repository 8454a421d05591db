/**
 * Reading a push body: the byte limit is enforced while the stream is read
 * (a body over it is refused as soon as it crosses the limit, never buffered
 * whole), then the bytes are decoded as strict UTF-8 and parsed as JSON.
 */
import { badRequest, tooLarge } from './http-error.js';
import { concat } from '../../storage/jsonl/line-splitter.js';

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get('Content-Length');
  if (declared !== null && Number(declared) > maxBytes) {
    throw tooLarge(`the body is ${declared} bytes (at most ${maxBytes})`);
  }
  const bytes = await readLimited(request.body, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body is not valid JSON: ${(err as Error).message}`);
  }
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`the body is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}
