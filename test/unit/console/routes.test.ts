import { describe, expect, it } from 'vitest';
import { createApp as createTokenApp } from '../../../functions/token/app';
import { buildOpenApiDocument } from '../../../functions/token/openapi';
import { consoleAssets } from '../../../shared/http/console';
import { unitDeps } from '../../support/deps';

describe('console routes', () => {
  const deps = unitDeps();
  const app = createTokenApp(deps, () => buildOpenApiDocument(deps.config.TOKEN_ISSUER));

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

  it('serves each listed file with its type, and nothing else', async () => {
    for (const [file, { type }] of Object.entries(consoleAssets)) {
      const response = await app.request(`/console/assets/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect((await response.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
    }
    for (const path of [
      '/console/assets/index.d.ts',
      '/console/assets/..%2F..%2Fpackage.json',
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
      for (const [, imported] of text.matchAll(/\bfrom '\.\/([^']+)'/g)) {
        expect(Object.keys(consoleAssets), `${file} imports ${imported}`).toContain(imported);
      }
    }
    expect(Object.keys(consoleAssets)).toContain('audit-proof.js');
  });

  it('sends /console/ to /console, where the relative links resolve', async () => {
    const response = await app.request('/console/');
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('../console');
  });
});
