/** Request limits of the sync server (all configurable). */
export interface SyncLimits {
  /** Largest push body, in bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Most ops in one push (default 1000). */
  maxOpsPerPush: number;
  /** Largest op, in bytes of its stored JSON record (default 64 KiB). */
  maxOpBytes: number;
}

export const DEFAULT_LIMITS: SyncLimits = {
  maxBodyBytes: 1024 * 1024,
  maxOpsPerPush: 1000,
  maxOpBytes: 64 * 1024,
};

export function resolveLimits(given: Partial<SyncLimits> = {}): SyncLimits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`limit ${k} must be a positive integer (got ${v})`);
  }
  return limits;
}
