/**
 * Read a Server-Sent Events body from a fetch Response (so requests carry an
 * Authorization header, which EventSource cannot send), with the
 * eventsource-parser library. Events are handed over one at a time and each
 * handler is awaited before more of the body is read (backpressure).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseHandlers {
  /** Any bytes arrived (events or heartbeat comments). */
  onBytes(): void;
  onEvent(message: EventSourceMessage): Promise<void> | void;
}

/** Resolves when the server ends the body; rejects when reading fails or a handler throws. */
export async function readSse(body: ReadableStream<Uint8Array>, handlers: SseHandlers): Promise<void> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => void queue.push(message) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      handlers.onBytes();
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) await handlers.onEvent(queue.shift()!);
    }
  } finally {
    reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
}
