// Builds the PWA into build/app. The service worker is ours (src/sw.ts), compiled by
// vite-plugin-pwa with Workbox's injectManifest, which writes the precache list into it.
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// Dev and preview get the same cross-origin isolation as the real server (server/), so shared
// memory between workers behaves the same everywhere. The CSP is left to the real server:
// Vite's dev client injects <style> elements that a strict style-src would block.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  build: {
    outDir: 'build/app',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  server: {
    headers: isolationHeaders,
    // `npm run dev` serves the app with hot reload; the API comes from a lake started with
    // `npm start` (or FIELDLAKE_LAKE_URL), as in production where both share one origin.
    proxy: { '/api': process.env.FIELDLAKE_LAKE_URL ?? 'http://127.0.0.1:8080' },
  },
  preview: { headers: isolationHeaders },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // We register the service worker ourselves with workbox-window (src/pwa/), so no
      // inline registration script is injected (the CSP forbids inline scripts anyway).
      injectRegister: false,
      registerType: 'prompt',
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Fieldlake',
        short_name: 'Fieldlake',
        description:
          'Sensor and industrial time series, offline in the field, synced with the lake.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        background_color: '#0b4f5c',
        theme_color: '#0b4f5c',
        categories: ['productivity', 'utilities'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icons/maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      injectManifest: {
        // The app shell: every built file the app needs to start with no network.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        // Source maps are for debugging, not for running offline.
        globIgnores: ['**/*.map'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      },
      devOptions: { enabled: false },
    }),
  ],
});
