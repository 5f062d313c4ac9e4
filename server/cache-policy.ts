// Cache-Control for what the server sends, one rule per kind of path.

/** Vite names bundled files `assets/<name>-<hash>.<ext>`: their content never changes. */
const hashedAsset = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

export function cacheControlFor(urlPath: string): string {
  // The API is live data: never cached by HTTP caches (the app keeps its own copies).
  if (urlPath === '/api' || urlPath.startsWith('/api/')) return 'no-store';
  // Content-hashed bundles: cache forever, a new build has new names.
  if (hashedAsset.test(urlPath)) return 'public, max-age=31536000, immutable';
  // Everything else — the shell (index.html and deep links), the service worker, the manifest,
  // icons — must be revalidated on every load so a new version is seen at once. The service
  // worker's precache is what makes them available offline, not the HTTP cache.
  return 'no-cache';
}
