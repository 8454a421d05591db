/**
 * What the page needs to know: the sync server and its token (put in by the
 * launcher, demo/serve.ts, as `import.meta.env.VITE_MUSE_DEMO_SYNC`), the session, and this
 * browser profile's actor id.
 */

export interface DemoConfig {
  /** The sync server, or null when the page runs without one (plain `vite demo`). */
  sync: { url: string; token: string } | null;
  sessionId: string;
  actor: string;
}

const ACTOR_KEY = 'muse-demo:actor';

/** One actor id per browser profile, kept in localStorage, so reloads and tabs keep it. */
export function profileActor(): string {
  let actor = localStorage.getItem(ACTOR_KEY);
  if (!actor || !/^[a-z0-9-]{1,40}$/.test(actor)) {
    const bytes = crypto.getRandomValues(new Uint8Array(3));
    actor = `user-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    localStorage.setItem(ACTOR_KEY, actor);
  }
  return actor;
}

export function demoConfig(): DemoConfig {
  const params = new URLSearchParams(location.search);
  const sessionId = params.get('session') || 'jam';
  const raw = import.meta.env.VITE_MUSE_DEMO_SYNC as string | undefined;
  const sync = raw ? (JSON.parse(raw) as { url: string; token: string }) : null;
  return { sync, sessionId, actor: profileActor() };
}
