import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from './app';
import { newRouter } from './app';
import { CONSOLE_PLATFORM_FILE, consolePlatformModule } from './console-platform';
import { problemResponse } from './problem';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

export interface ConsoleAsset {
  type: string;
  /** A file of console/ or of uPlot's package, or `model`: written from the gateway's model, never a file. */
  from: 'console' | 'uplot' | 'model';
}

/** The repository's console/ folder. */
export const consoleSourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');

/** uPlot's files, served beside the console's own (from node_modules locally, copied beside the bundle). */
const uplotAssets: Record<string, ConsoleAsset> = {
  'uPlot.iife.min.js': { type: JS, from: 'uplot' },
  'uPlot.min.css': { type: CSS, from: 'uplot' },
};

/**
 * The files a browser may load from /console/assets/, by path relative to `dir` (`app.js`, `pages/plans.js`):
 * every .js and .css file found under it, pages/ included, never a .d.ts (types for the tests) nor anything
 * else, uPlot's, and platform.js, which the gateway writes from its model (./console-platform.ts). The gateway itself serves them, never a CDN; the token Lambda finds them copied beside its
 * bundle (see infra/constructs/gateway-function.ts), where uPlot's are in the same folder.
 */
export function consoleAssets(dir: string = consoleSourceDir): Record<string, ConsoleAsset> {
  const assets: Record<string, ConsoleAsset> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = entry.split(sep).join('/');
    if (file.endsWith('.d.ts') || Object.hasOwn(uplotAssets, file)) continue;
    if (file.endsWith('.js')) assets[file] = { type: JS, from: 'console' };
    else if (file.endsWith('.css')) assets[file] = { type: CSS, from: 'console' };
  }
  return { ...assets, ...uplotAssets, [CONSOLE_PLATFORM_FILE]: { type: JS, from: 'model' } };
}

/**
 * Stricter than the gateway's default policy: no inline style either, and nothing but the gateway itself to
 * talk to. The page keeps its access token in memory, so an injected script is the threat that matters.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Where each kind of file is: beside the Lambda bundle (LAMBDA_TASK_ROOT/console), or the repository locally. */
function assetDir(from: 'console' | 'uplot'): string {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (taskRoot) return join(taskRoot, 'console');
  if (from === 'uplot')
    return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  return consoleSourceDir;
}

/** `/console`: the admin and finance web page, and the files it loads. */
export function consoleRoutes(): Router {
  const router = newRouter();
  const cache = new Map<string, Uint8Array>();
  // Listed on the first request for a file, not as the app is created: the bundle is also loaded where there
  // is no console/ folder beside it (test/infra/bundle.test.ts).
  let assets: Record<string, ConsoleAsset> | undefined;

  async function read(file: string, from: ConsoleAsset['from']): Promise<Uint8Array<ArrayBuffer>> {
    let bytes = cache.get(file);
    if (!bytes) {
      bytes =
        from === 'model'
          ? new TextEncoder().encode(consolePlatformModule())
          : new Uint8Array(await readFile(join(assetDir(from), file)));
      cache.set(file, bytes);
    }
    return bytes as Uint8Array<ArrayBuffer>;
  }

  router.get('/console', async (c) =>
    c.body(await read('index.html', 'console'), 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': consoleContentSecurityPolicy,
      'Cache-Control': 'no-cache',
    }),
  );
  // The gateway's icon, for the console and /docs (both link it) and for browsers that ask the root for it.
  router.get('/favicon.ico', async (c) =>
    c.body(await read('favicon.ico', 'console'), 200, {
      'Content-Type': 'image/vnd.microsoft.icon',
      'Cache-Control': 'public, max-age=86400',
    }),
  );
  // Relative asset URLs resolve against /console, so the trailing-slash spelling is sent there.
  router.get('/console/', (c) => c.redirect('../console', 301));
  // `:file{.+}` takes slashes too (`pages/plans.js`); only a listed path is ever read, so `..` finds nothing.
  router.get('/console/assets/:file{.+}', async (c) => {
    const file = c.req.param('file');
    if (file === CONSOLE_PLATFORM_FILE)
      return c.body(consolePlatformModule(), 200, {
        'Content-Type': JS,
        'Cache-Control': 'public, max-age=300',
      });
    assets ??= consoleAssets(assetDir('console'));
    const asset = Object.hasOwn(assets, file) ? assets[file] : undefined;
    if (!asset) return problemResponse(c, 404, { detail: `The console has no file named ${file}.` });
    return c.body(await read(file, asset.from), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=300',
    });
  });
  return router;
}
