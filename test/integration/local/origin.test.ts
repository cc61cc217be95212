import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataRoute } from '../../../functions/token/discovery';
import { startLocalGateway } from '../../../local/host';
import { answerTo } from '../../support/answers';
import { localHostEnv } from '../../support/local-host';

/** `npm start` as a developer runs it (PORT=0), over the run's DynamoDB Local; its stdout is the banner. */
let child: ChildProcess;
let banner = '';
let url: string;

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: { ...process.env, ...localHostEnv({ TOKEN_ISSUER: '' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    banner += d.toString();
  });
  const deadline = Date.now() + 45_000;
  while (!banner.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const printed = /is ready on (\S+) /.exec(banner)?.[1];
  if (!printed) throw new Error(`npm start printed no URL:\n${banner}`);
  url = printed;
}, 60_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('one origin for the local gateway', () => {
  it('prints the port actually bound when PORT=0, as GW too', () => {
    const port = Number(new URL(url).port);
    expect(url).toBe(`http://localhost:${port}`);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(3000);
    expect(banner).toContain(`export GW=${url}\n`);
  });

  it('is the issuer discovery names, as openid-client checks it, and the issuer of the tokens', async () => {
    const discoveredFrom = url;
    const metadata = await answerTo(
      await fetch(`${discoveredFrom}/.well-known/oauth-authorization-server`),
      metadataRoute,
    );
    // openid-client: the metadata's issuer must be the URL discovery was asked for, without a trailing slash.
    expect(metadata.issuer).toBe(discoveredFrom.replace(/\/$/, ''));
    expect(metadata.token_endpoint).toBe(`${url}/oauth/token`);
  });

  it('is the OpenAPI server, so Swagger UI calls the origin it was loaded from', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as { servers: { url: string }[] };
    expect(document.servers[0]?.url).toBe(url);
  });

  it('sends a browser that opens /docs or /console under 127.0.0.1 to the same path on the origin', async () => {
    const other = url.replace('//localhost:', '//127.0.0.1:');
    for (const path of ['/docs', '/console', '/console/?lang=en']) {
      const response = await fetch(`${other}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('Location'), path).toBe(`${url}${path}`);
    }
    const followed = await fetch(`${other}/docs`);
    expect(followed.url).toBe(`${url}/docs`);
    expect(await followed.text()).toContain('swagger-ui');
    // API calls under another name are answered, not redirected (curl, scripts).
    const health = await fetch(`${other}/health`, { redirect: 'manual' });
    expect(health.status).toBe(200);
  });
});

describe('a local gateway still starting', () => {
  it('answers 503 problem+json with Retry-After on the bound port until it is ready', async () => {
    let early: Promise<Response> | undefined;
    const gateway = await startLocalGateway({
      env: localHostEnv({ DEMO_AGENCY: '0' }),
      progress: () => undefined,
      // Runs once the port is bound and the issuer known, before the tables exist.
      overrideDeps: (deps) => {
        early = fetch(`${deps.config.TOKEN_ISSUER}/health`);
        return deps;
      },
    });
    try {
      const response = await early!;
      expect(response.status).toBe(503);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(response.headers.get('Retry-After')).toBe('1');
      expect(await response.json()).toMatchObject({
        status: 503,
        instance: '/health',
        detail: expect.stringMatching(/starting/),
      });
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
