// The web client's build: two pages (the client, index.html, and the operators' mesh board,
// board.html) into dist/web, which the edge serves on its own origin. `npm run build:web`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    // Hashed names under /assets/: the edge serves them with a year-long immutable cache.
    assetsDir: 'assets',
    rollupOptions: {
      input: { index: here('index.html'), board: here('board.html') },
    },
  },
  server: {
    // `npx vite apps/web` while a mesh runs on :3000: the API is proxied, so it stays same-origin.
    proxy: Object.fromEntries(
      [
        '/auth',
        '/users',
        '/posts',
        '/timeline',
        '/comments',
        '/media',
        '/messages',
        '/conversations',
        '/events',
        '/mesh',
      ].map((p) => [p, 'http://127.0.0.1:3000']),
    ),
  },
});
