import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp as createTokenApp } from '../../../functions/token/app';
import { buildOpenApiDocument } from '../../../functions/token/openapi';
import { unitDeps } from '../../support/deps';

describe('public routes', () => {
  const deps = unitDeps();
  const createApp = (d: typeof deps) => createTokenApp(d, () => buildOpenApiDocument(d.config.TOKEN_ISSUER));
  const store = mockClient(deps.store);
  afterEach(() => store.reset());

  it('reports healthy when the store answers', async () => {
    store.on(GetCommand).resolves({});
    const response = await createApp(deps).request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', store: 'reachable' });
  });

  it('reports 503 when the store does not answer', async () => {
    store.on(GetCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }));
    const response = await createApp(deps).request('/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable', store: 'unreachable' });
  });

  it('describes the API as OpenAPI 3.1 generated from the route schemas', async () => {
    const response = await createApp(deps).request('/openapi.json');
    expect(response.status).toBe(200);
    // The OpenAPI document itself: no route documents a schema for it, so it stays a cast.
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/health');
  });

  it('serves /docs with its own Swagger UI assets, never from a CDN', async () => {
    const app = createApp(deps);
    const page = await (await app.request('/docs')).text();
    expect(page).not.toMatch(/https?:\/\//);
    // Relative links, so the page also works under an API Gateway stage prefix (/dev/docs).
    const scripts = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map(
      (m) => new URL(m[1]!, 'http://x/docs').pathname,
    );
    expect(scripts).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const asset of scripts) {
      const response = await app.request(asset);
      expect(response.status, asset).toBe(200);
    }
  });

  it('sends a content security policy that forbids foreign scripts on /docs', async () => {
    const response = await createApp(deps).request('/docs');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers an unknown documentation asset with 404 problem+json', async () => {
    for (const name of ['..%2Fpackage.json', 'constructor', '__proto__', 'toString']) {
      const response = await createApp(deps).request(`/docs/assets/${name}`);
      expect(response.status, name).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
