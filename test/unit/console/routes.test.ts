import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp as createTokenApp } from '../../../functions/token/app';
import { buildOpenApiDocument } from '../../../functions/token/openapi';
import { consoleAssets as listConsoleAssets } from '../../../shared/http/console';
import {
  AGENCY_SCOPES,
  OPERATIONS,
  PLATFORM_AGENCY_ID,
  PLATFORM_SCOPES,
} from '../../../shared/identity/model';
import { unitDeps } from '../../support/deps';

describe('console routes', () => {
  const deps = unitDeps();
  const app = createTokenApp(deps, () => buildOpenApiDocument(deps.config.TOKEN_ISSUER));
  const consoleAssets = listConsoleAssets();

  it('serves the page with its own strict policy and the gateway security headers', async () => {
    const response = await app.request('/console');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('links every file relatively, so the page works under an API Gateway stage prefix', async () => {
    const page = await (await app.request('/console')).text();
    expect(page).toContain('<html lang="vi">');
    expect(page).not.toMatch(/(?:src|href)="\/|https?:\/\//);
    for (const [, file] of page.matchAll(/(?:src|href)="console\/assets\/([^"]+)"/g)) {
      expect(Object.keys(consoleAssets)).toContain(file);
    }
  });

  it("serves the gateway's icon at /favicon.ico, which the console and /docs link", async () => {
    const response = await app.request('/favicon.ico');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/vnd.microsoft.icon');
    const bytes = new Uint8Array(await response.arrayBuffer());
    // An ICO header (reserved 0, type 1) with its 16, 32 and 48 px images.
    expect([...bytes.subarray(0, 6)]).toEqual([0, 0, 1, 0, 3, 0]);
    expect([bytes[6], bytes[22], bytes[38]]).toEqual([16, 32, 48]);
    for (const page of ['/console', '/docs']) {
      expect(await (await app.request(page)).text(), page).toContain('<link rel="icon" href="favicon.ico">');
    }
  });

  it('serves each listed file with its type, and nothing else', async () => {
    for (const [file, { type }] of Object.entries(consoleAssets)) {
      const response = await app.request(`/console/assets/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect((await response.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
    }
    for (const path of [
      '/console/assets/index.html',
      '/console/assets/i18n.d.ts',
      '/console/assets/favicon.ico',
      '/console/assets/pages/registry.d.ts',
      '/console/assets/pages/no-such-page.js',
      '/console/assets/..%2F..%2Fpackage.json',
      '/console/assets/pages/..%2F..%2Fpackage.json',
      '/console/assets/pages%2F..%2F..%2Fpackage.json',
      '/console/assets/%2E%2E/package.json',
      '/console/x',
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toContain('application/problem+json');
    }
  });

  it('serves every module a served module imports (the page can load nothing else)', async () => {
    const modules = Object.entries(consoleAssets).filter(
      ([file, { from }]) => from === 'console' && file.endsWith('.js'),
    );
    for (const [file] of modules) {
      const text = await (await app.request(`/console/assets/${file}`)).text();
      const specifiers = [...text.matchAll(/\b(?:from|import) '([^']+)'/g)].map((m) => m[1]!);
      expect(
        specifiers.every((specifier) => /^\.\.?\//.test(specifier)),
        file,
      ).toBe(true);
      for (const specifier of specifiers) {
        // As the browser resolves it against the module's own URL under /console/assets/.
        const imported = posix.join(posix.dirname(file), specifier);
        expect(Object.keys(consoleAssets), `${file} imports ${specifier}`).toContain(imported);
      }
    }
    expect(Object.keys(consoleAssets)).toContain('audit-proof.js');
    expect(Object.keys(consoleAssets)).toContain('pages/registry.js');
  });

  it("serves platform.js written from the API's model: the console's operations and scopes are the API's", async () => {
    const response = await app.request('/console/assets/platform.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Imported as the browser would, from the text served.
    const served = await import(
      `data:text/javascript;base64,${Buffer.from(await response.text()).toString('base64')}`
    );
    expect({ ...served }).toEqual({
      OPERATIONS: [...OPERATIONS],
      AGENCY_SCOPES: [...AGENCY_SCOPES],
      PLATFORM_SCOPES: [...PLATFORM_SCOPES],
      PLATFORM_AGENCY_ID,
    });
    // The pages read the same module (in Node through vitest.config.ts's resolver).
    expect({ ...(await import('../../../console/platform.js')) }).toEqual({ ...served });
  });

  it('serves every page module of the registry under pages/, as app.js imports them', async () => {
    const registry = await (await app.request('/console/assets/pages/registry.js')).text();
    const pages = [...registry.matchAll(/\bfrom '\.\/([\w-]+\.js)'/g)].map((m) => m[1]);
    expect(pages).toEqual(expect.arrayContaining(['agencies.js', 'plans.js', 'audit.js']));
    for (const file of pages) {
      const response = await app.request(`/console/assets/pages/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe('text/javascript; charset=utf-8');
      expect(await response.text(), file).toContain('export default {');
    }
  });

  it('lists the .js and .css files of the folder and its subfolders, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndg-console-'));
    try {
      mkdirSync(join(dir, 'pages', 'more'), { recursive: true });
      for (const file of [
        'a.js',
        'a.d.ts',
        'b.css',
        'index.html',
        'pages/c.js',
        'pages/c.d.ts',
        'pages/more/d.js',
        'pages/e.json',
      ]) {
        writeFileSync(join(dir, file), 'x');
      }
      expect(listConsoleAssets(dir)).toEqual({
        'a.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
        'b.css': { type: 'text/css; charset=utf-8', from: 'console' },
        'pages/c.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
        'pages/more/d.js': { type: 'text/javascript; charset=utf-8', from: 'console' },
        'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', from: 'uplot' },
        'uPlot.min.css': { type: 'text/css; charset=utf-8', from: 'uplot' },
        'platform.js': { type: 'text/javascript; charset=utf-8', from: 'model' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends /console/ to /console, where the relative links resolve', async () => {
    const response = await app.request('/console/');
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('../console');
  });
});
