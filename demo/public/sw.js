// The demo's service worker: keeps the app shell so the page opens offline after one visit.
//
// On install it caches the page and every module it imports, found by following the
// `import`/`from`/`new Worker(...)` specifiers from index.html (this works for the Vite dev server,
// which serves each module on its own, and for a production build alike). At run time every
// same-origin GET goes to the network first and refreshes the cache; when the network fails
// (offline, or the dev server stopped) the cached copy answers. The sync server is another origin
// and is never cached: ops live in the log, not in this cache.
//
// Why not vite-plugin-pwa (whose 2.x does accept Vite 8): its precache list comes from a production build, and
// `npm run demo` serves the page from the dev server, where the plugin's service worker precaches no module graph;
// the first visit would not be enough to open offline. This crawl works for both, in ~100 lines and no dependency.
const CACHE = 'muse-demo-shell-v1';
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\bnew\s+(?:Shared)?Worker\s*\(\s*)["']([^"'\s]+)["']|\b(?:src|href)\s*=\s*["']([^"'\s]+)["']/g;
const MAX_FILES = 800;

async function crawl() {
  const cache = await caches.open(CACHE);
  const seen = new Set();
  // A stylesheet linked from HTML is asked for as CSS: dev servers answer a plain request for a .css file with a
  // JavaScript module (for `import './x.css'`).
  const queue = [{ url: new URL('./', self.registration.scope).href, accept: 'text/html' }];
  while (queue.length && seen.size < MAX_FILES) {
    const { url, accept } = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    let response;
    try {
      response = await fetch(url, { cache: 'no-store', headers: accept ? { accept } : {} });
    } catch {
      continue;
    }
    if (!response.ok) continue;
    const type = response.headers.get('content-type') || '';
    // A dev server answers an unknown path with the page (SPA fallback): a specifier that was no module.
    if (type.includes('html') && accept !== 'text/html') continue;
    await cache.put(url, response.clone());
    if (!/javascript|html|typescript/.test(type)) continue;
    const html = type.includes('html');
    const text = await response.text();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] || m[2];
      if (!spec || spec.startsWith('data:') || spec.startsWith('blob:') || spec.startsWith('#')) continue;
      let next;
      try {
        next = new URL(spec, url);
      } catch {
        continue;
      }
      if (next.origin !== self.location.origin) continue;
      next.hash = '';
      const css = html && m[2] && next.pathname.endsWith('.css');
      if (!seen.has(next.href)) queue.push({ url: next.href, accept: css ? 'text/css,*/*;q=0.1' : undefined });
    }
  }
  return seen.size;
}

// The crawl, once per service worker instance; a marker in the cache says a crawl completed. The page asks
// ('shell-status') and is answered once the shell is cached, so it can say "ready offline" truthfully.
const DONE = new URL('./__shell-cached', self.registration.scope).href;
let crawling;
function ensureCrawled() {
  crawling ??= (async () => {
    const cache = await caches.open(CACHE);
    const done = await cache.match(DONE);
    if (done) return Number(await done.text());
    const files = await crawl();
    await cache.put(DONE, new Response(String(files)));
    return files;
  })().finally(() => {
    crawling = undefined;
  });
  return crawling;
}

self.addEventListener('install', (event) => {
  event.waitUntil(ensureCrawled().catch(() => {}).finally(() => self.skipWaiting()));
});

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'shell-status') return;
  event.waitUntil(
    ensureCrawled().then(
      (files) => event.source?.postMessage({ type: 'shell-status', cached: true, files }),
      (err) => event.source?.postMessage({ type: 'shell-status', cached: false, error: String(err) }),
    ),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (err) {
        // Dev servers answer with `Vary: Origin`; a module's request differs from the crawl's only there.
        const cached =
          (await cache.match(request, { ignoreVary: true })) ||
          (request.mode === 'navigate'
            ? (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) ||
              (await cache.match(new URL('./', self.registration.scope).href, { ignoreVary: true }))
            : undefined);
        if (cached) return cached;
        throw err;
      }
    })(),
  );
});
