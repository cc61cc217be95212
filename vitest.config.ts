import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { CONSOLE_PLATFORM_FILE, consolePlatformModule } from './shared/http/console-platform';

/**
 * console/platform.js is not a file: the gateway writes it from its model (shared/http/console-platform.ts). The
 * tests that import console pages in Node get the same module here.
 */
const consolePlatform: Plugin = {
  name: 'console-platform',
  enforce: 'pre',
  resolveId(source, importer) {
    if (!importer || !source.endsWith(`/${CONSOLE_PLATFORM_FILE}`)) return null;
    const path = resolve(importer, '..', source);
    return path === resolve('console', CONSOLE_PLATFORM_FILE) ? path : null;
  },
  load(id) {
    return id === resolve('console', CONSOLE_PLATFORM_FILE) ? consolePlatformModule() : null;
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [consolePlatform],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [consolePlatform],
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
