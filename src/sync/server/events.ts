/**
 * The live stream: Server-Sent Events of a session's ops from a cursor on.
 * Each event is `id: <cursor>`, `event: ops`, `data: {"ops":[...],"cursor":C}`
 * (C: the seq of its last op). A comment line is sent when the stream opens
 * and whenever `heartbeatMs` passes without an event. The stream is pulled:
 * a slow reader is sent the next batch only once it took the last one.
 */
import type { OpsEvent } from '../wire.js';
import type { ServerStore } from './store.js';

export interface EventStreamOptions {
  heartbeatMs: number;
  /** Most ops per event. */
  batch: number;
  /** Any of these aborting ends the stream (the client left, the server shuts down). */
  signals: readonly AbortSignal[];
}

const encoder = new TextEncoder();

export function opsEventStream(store: ServerStore, sessionId: string, from: number, options: EventStreamOptions): ReadableStream<Uint8Array> {
  let cursor = from;
  let version = 0; // bumped by every notification
  let wake: (() => void) | undefined;
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  const aborts: (() => void)[] = [];
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    for (const a of aborts) a();
    wake?.();
    try {
      controllerRef?.close();
    } catch {
      // already closed or errored
    }
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        unsubscribe = store.subscribe(sessionId, () => {
          version++;
          wake?.();
        });
        for (const s of options.signals) {
          if (s.aborted) return end();
          s.addEventListener('abort', end, { once: true });
          aborts.push(() => s.removeEventListener('abort', end));
        }
        controller.enqueue(encoder.encode(': connected\n\n'));
      },
      async pull(controller) {
        try {
          for (;;) {
            if (ended) return;
            const seen = version;
            const r = await store.read(sessionId, cursor, options.batch);
            if (ended) return;
            if (r.ops.length > 0) {
              cursor = r.cursor;
              const data: OpsEvent = { ops: r.ops, cursor };
              controller.enqueue(encoder.encode(`id: ${cursor}\nevent: ops\ndata: ${JSON.stringify(data)}\n\n`));
              return;
            }
            if (version !== seen) continue; // ops arrived during the read
            const woke = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(false), options.heartbeatMs);
              wake = () => {
                clearTimeout(timer);
                resolve(true);
              };
            });
            wake = undefined;
            if (ended) return;
            if (!woke) {
              controller.enqueue(encoder.encode(': heartbeat\n\n'));
              return;
            }
          }
        } catch {
          end(); // the store failed or closed: the client reconnects and resumes by cursor
        }
      },
      cancel() {
        end();
      },
    },
    { highWaterMark: 1 },
  );
}

export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
} as const;
