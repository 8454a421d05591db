/// <reference types="vitest/config" />
import { chmodSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type Plugin } from 'vite';
import { publicDeclarations } from './tools/declarations.js';

/** Debian's Chromium; CHROMIUM_PATH overrides it. Never a downloaded browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const external = [
  '@noble/hashes/sha2.js',
  '@noble/hashes/utils.js',
  'idb-keyval',
  'eventsource-parser',
  'pg',
  'vitest',
  'hono',
  /^hono\//,
  '@hono/node-server',
  'jose',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
];

/** Output files that start with a shebang (dist/cli.js) are made executable, as a `bin` must be. */
const executableShebangs: Plugin = {
  name: 'muse-oplog:executable-shebangs',
  apply: 'build',
  writeBundle(options, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type === 'chunk' && file.code.startsWith('#!')) chmodSync(resolve(options.dir!, file.fileName), 0o755);
    }
  },
};

export default defineConfig({
  // The OPFS worker is an ES module worker, inlined into the library build.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // A library ships readable code: minifying renamed the error classes (`InvalidEntryError.name` was "i").
    // Apps minify their own bundles.
    minify: false,
    lib: {
      entry: {
        index: resolve(import.meta.dirname, 'src/index.ts'),
        node: resolve(import.meta.dirname, 'src/node.ts'),
        server: resolve(import.meta.dirname, 'src/server.ts'),
        postgres: resolve(import.meta.dirname, 'src/postgres.ts'),
        conformance: resolve(import.meta.dirname, 'src/conformance.ts'),
        cli: resolve(import.meta.dirname, 'src/cli.ts'),
      },
      formats: ['es'],
    },
    rolldownOptions: { external },
  },
  plugins: [executableShebangs, publicDeclarations({ root: import.meta.dirname, tsconfig: 'tsconfig.build.json' })],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
