// The web client's builds, each its own output the edge serves on its own listener:
// `vite build` the client (index.html) into dist/web, for the API port; `vite build --mode board`
// the operators' mesh board (board.html) into dist/board, for the admin port only.
// `npm run build:web` runs both.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ mode }) => {
  const board = mode === 'board';
  return {
    root: here('.'),
    base: '/',
    plugins: [react()],
    build: {
      outDir: here(board ? '../../dist/board' : '../../dist/web'),
      emptyOutDir: true,
      // Hashed names under /assets/: the edge serves them with a year-long immutable cache.
      assetsDir: 'assets',
      rollupOptions: {
        input: board ? here('board.html') : here('index.html'),
      },
    },
    server: {
      // `npx vite apps/web` while a mesh runs: the API (:3000) and the admin routes (:3100) are
      // proxied, so the client and the board stay same-origin.
      proxy: {
        ...Object.fromEntries(
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
          ].map((p) => [p, 'http://127.0.0.1:3000']),
        ),
        '/mesh': 'http://127.0.0.1:3100',
        '/metrics': 'http://127.0.0.1:3100',
      },
    },
  };
});
