/** Where a command writes: standard output (data) and standard error (messages). */
export interface Io {
  out(data: string | Uint8Array): Promise<void> | void;
  err(text: string): void;
}
