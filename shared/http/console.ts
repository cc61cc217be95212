import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from './app';
import { newRouter } from './app';
import { problemResponse } from './problem';

/**
 * The console's files: its own (console/ in the repository) and uPlot's, both served by the gateway itself,
 * never from a CDN. The token Lambda finds them copied beside its bundle (see infra/constructs/gateway-function.ts).
 */
export const consoleAssets: Record<string, { type: string; from: 'console' | 'uplot' }> = {
  'app.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'api.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'format.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'forms.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'i18n.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'verify.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'audit-proof.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'locale-guard.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
  'console.css': { type: 'text/css; charset=utf-8', from: 'console' },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', from: 'uplot' },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', from: 'uplot' },
};

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
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');
}

/** `/console`: the admin and finance web page, and the files it loads. */
export function consoleRoutes(): Router {
  const router = newRouter();
  const cache = new Map<string, Uint8Array>();

  async function read(file: string, from: 'console' | 'uplot'): Promise<Uint8Array<ArrayBuffer>> {
    let bytes = cache.get(file);
    if (!bytes) {
      bytes = new Uint8Array(await readFile(join(assetDir(from), file)));
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
  // Relative asset URLs resolve against /console, so the trailing-slash spelling is sent there.
  router.get('/console/', (c) => c.redirect('../console', 301));
  router.get('/console/assets/:file', async (c) => {
    const file = c.req.param('file');
    const asset = Object.hasOwn(consoleAssets, file) ? consoleAssets[file] : undefined;
    if (!asset) return problemResponse(c, 404, { detail: `The console has no file named ${file}.` });
    return c.body(await read(file, asset.from), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=300',
    });
  });
  return router;
}
