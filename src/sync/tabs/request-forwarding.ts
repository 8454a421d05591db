/**
 * One job of `SharedOpLog`: a follower's calls, forwarded to the leader tab
 * and matched with its answers. A call not answered yet is sent again to
 * each new leader (safe: appends are idempotent), and taken back to be served
 * locally when this tab becomes the leader.
 */
import { fromWireError } from '../../core/wire-error.js';
import type { ResponseMessage, TabMethod } from './protocol.js';

export interface ForwardedCall {
  id: number;
  method: TabMethod;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class RequestForwarding {
  private readonly waiting = new Map<number, ForwardedCall>();
  private nextId = 1;

  /** `send` posts one request to whoever leads (with no leader yet, nobody serves it until `resend`). */
  constructor(private readonly send: (call: ForwardedCall) => void) {}

  /** Ask the leader; settles with its answer. */
  forward(method: TabMethod, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: ForwardedCall = { id: this.nextId++, method, args, resolve, reject };
      this.waiting.set(call.id, call);
      this.send(call);
    });
  }

  /** A new leader: anything not answered yet may have died with the previous one. */
  resend(): void {
    for (const call of this.waiting.values()) this.send(call);
  }

  /** The leader's answer to one of our calls (others are ignored). */
  answer(msg: ResponseMessage): void {
    const call = this.waiting.get(msg.id);
    if (!call) return;
    this.waiting.delete(msg.id);
    if (msg.ok) call.resolve(msg.result);
    else call.reject(fromWireError(msg.error));
  }

  /** Every call not answered yet, no longer waited for here (this tab now serves them, or fails them). */
  takeAll(): ForwardedCall[] {
    const calls = [...this.waiting.values()];
    this.waiting.clear();
    return calls;
  }
}
