import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoCitizens } from '../../../shared/registry/model';
import { launchChromium } from '../../support/browser';
import { createTestGateway, type TestGateway } from '../../support/gateway';

const skip = process.env.SKIP_BROWSER_TESTS === '1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let browser: Browser;
let server: ReturnType<typeof serve>;
let gw: TestGateway;
let page: Page;
let origin: string;
let agency: { clientId: string; clientSecret: string };
const sent: { url: string; headers: Record<string, string> }[] = [];
const browserErrors: string[] = [];

describe.skipIf(skip)('/docs (Swagger UI)', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    // Listening first: the gateway's issuer, and so the document's server, is this origin.
    await new Promise<void>((resolve) => {
      server = serve({ fetch: (request) => gw.app.fetch(request), port: 0, hostname: '127.0.0.1' }, () =>
        resolve(),
      );
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gw = await createTestGateway(inject('dynamoEndpoint'), { env: { TOKEN_ISSUER: origin } });
    agency = await gw.agencyWithCredential({
      code: 'DOCS-TRY',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    page.on('request', (request) => sent.push({ url: request.url(), headers: request.headers() }));
    page.on('pageerror', (error) => browserErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it('authorizes with a client id and secret, fetching the token from /oauth/token itself', async () => {
    await page.goto(`${origin}/docs`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.click('.auth-wrapper .btn.authorize');
    const oauth2 = page.locator('.auth-container', { hasText: 'oauth2 (OAuth2, clientCredentials)' });
    await oauth2.locator('#client_id_clientCredentials').fill(agency.clientId);
    await oauth2.locator('#client_secret_clientCredentials').fill(agency.clientSecret);
    await oauth2.locator('button.authorize').click();
    await oauth2.locator('button', { hasText: 'Logout' }).waitFor();

    const tokenRequest = sent.find((r) => r.url === `${origin}/oauth/token`);
    expect(tokenRequest?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${agency.clientId}:${agency.clientSecret}`).toString('base64')}`,
    );
    expect(browserErrors).toEqual([]);
    await page.click('.auth-btn-wrapper .btn-done');
  });

  it('tries a registry call with that token, its purpose example, and a fresh Idempotency-Key on each try', async () => {
    const operation = page.locator('#operations-Population_register-getCitizen');
    await operation.locator('.opblock-summary').click();
    const input = (name: string) => operation.locator(`tr[data-param-name="${name}"] input`);
    // The document's example for this operation, a purpose the demo agency is entitled to.
    expect(await input('X-Purpose').inputValue()).toBe('1.004194');
    expect(await input('Idempotency-Key').inputValue()).toBe('');
    // This test agency's own purpose.
    await input('X-Purpose').fill('1.001');
    await input('nationalId').fill(demoCitizens[0]!.nationalId);

    const calls = () => sent.filter((r) => r.url.startsWith(`${origin}/v1/citizens/`));
    for (const attempt of [1, 2]) {
      await operation.locator('button.execute').click();
      await expect.poll(() => calls().length).toBe(attempt);
      await operation.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor();
    }
    const [first, second] = calls();
    expect(first?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first?.headers['idempotency-key']).toMatch(UUID);
    expect(second?.headers['idempotency-key']).toMatch(UUID);
    expect(second?.headers['idempotency-key']).not.toBe(first?.headers['idempotency-key']);
    expect(browserErrors).toEqual([]);
  });
});
