/**
 * The bearer token: a fixed string, or an async function the client calls
 * for the first token and again after the server answers 401 (refresh).
 */
export type TokenOption = string | (() => string | Promise<string>);

export class TokenSource {
  private current: Promise<string> | undefined;

  constructor(private readonly option: TokenOption) {}

  /** Whether a 401 can be answered by asking for a new token. */
  get refreshable(): boolean {
    return typeof this.option === 'function';
  }

  get(): Promise<string> {
    if (typeof this.option === 'string') return Promise.resolve(this.option);
    if (!this.current) {
      const fetched = Promise.resolve().then(this.option as () => string | Promise<string>);
      this.current = fetched;
      // A failed fetch is not kept: the next request asks again.
      fetched.catch(() => {
        if (this.current === fetched) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Drop `stale` (the token the server refused) and fetch a new one; concurrent callers share one refresh. */
  refresh(stale: string): Promise<string> {
    if (this.current) {
      const current = this.current;
      return current.then(
        (token) => {
          if (token !== stale) return token;
          if (this.current === current) this.current = undefined;
          return this.get();
        },
        () => this.get(),
      );
    }
    return this.get();
  }
}
