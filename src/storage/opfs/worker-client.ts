import { ClosedError, StorageError } from '../../core/errors.js';
import { fromWireError, type WireError } from '../../core/wire-error.js';
import type { Reply, Request } from './protocol.js';

type Pending = { resolve(value: unknown): void; reject(err: unknown): void };
/** A request without its id: the client numbers them. */
export type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The main thread's end of the worker protocol: starts the dedicated module
 * worker, numbers requests, and turns error replies back into typed errors.
 */
export class WorkerClient {
  /** Set once the worker module has loaded and the worker is started. */
  private worker: Worker | undefined;
  private readonly started: Promise<Worker>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  private terminated = false;

  constructor() {
    this.started = import('./spawn-worker.js').then(({ spawnOpfsWorker }) => this.attach(spawnOpfsWorker()));
    this.started.catch((err: unknown) => {
      this.broken = new StorageError(`OPFS worker: cannot start (${err instanceof Error ? err.message : String(err)})`);
    });
  }

  private attach(worker: Worker): Worker {
    if (this.terminated) worker.terminate();
    this.worker = worker;
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(reply.error);
    };
    const fail = (event: Event) => {
      const message = event instanceof ErrorEvent && event.message ? event.message : 'the OPFS worker failed to start or crashed';
      this.broken = new StorageError(`OPFS worker: ${message}`);
      for (const p of this.pending.values()) p.reject(this.broken);
      this.pending.clear();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      fail(event);
    };
    worker.onmessageerror = fail;
    return worker;
  }

  /** Send one request; errors come back as the wire form (see `toError`). */
  call<T>(request: Call, transfer: Transferable[] = []): Promise<T> {
    if (this.terminated) return Promise.reject(new ClosedError('OpfsAdapter'));
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const send = (worker: Worker) => worker.postMessage({ ...request, id } as Request, transfer);
      if (this.worker) send(this.worker);
      else this.started.then((w) => this.terminated || send(w), reject);
    });
  }

  terminate(): void {
    this.terminated = true;
    this.worker?.terminate();
    for (const p of this.pending.values()) p.reject(new ClosedError('OpfsAdapter'));
    this.pending.clear();
  }
}

/** Rebuild a typed error from a worker reply (or pass through one made on this side). */
export function toError(err: unknown, what: string): Error {
  if (err instanceof Error) return err;
  return fromWireError(err as WireError, `OPFS ${what} failed`);
}
