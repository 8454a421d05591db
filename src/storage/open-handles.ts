import { ClosedError } from '../core/errors.js';

/**
 * An adapter's session bookkeeping, the same in every backend: the open
 * handles, the closed flag, and close-all (refuse new opens first, then close
 * every open handle; a second call waits for the same).
 */
export class OpenHandles<H extends { close(): Promise<void> }> {
  private readonly handles = new Set<H>();
  private closing: Promise<void> | undefined;

  /** `what` names the adapter in `ClosedError`. */
  constructor(private readonly what: string) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Throws `ClosedError` once `closeAll` was called. */
  assertOpen(): void {
    if (this.closing) throw new ClosedError(this.what);
  }

  /** Track `handle` until `forget(handle)` (its own close calls that). */
  add(handle: H): H {
    this.handles.add(handle);
    return handle;
  }

  forget(handle: H): void {
    this.handles.delete(handle);
  }

  /** Refuse new opens, close every open handle, then run `after` (release the backend). */
  closeAll(after?: () => void | Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.handles].map((h) => h.close()));
      await after?.();
    })();
    return this.closing;
  }
}
