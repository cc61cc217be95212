import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { rotateCredentialRoute } from '../../../functions/admin/routes';
import { tokenRoute } from '../../../functions/token/oauth';
import { createGatewayApp } from '../../../local/gateway-app';
import { loadConfig } from '../../../shared/config';
import { baseAppOptions, createBaseApp } from '../../../shared/http/app';
import type { Entitlement, Scope } from '../../../shared/identity/model';
import { createLogger } from '../../../shared/log';
import { answerTo, issuedCredentialOf, problemOf } from '../../support/answers';
import { assertionForm, clientAssertion } from '../../support/assertion';
import { ADMIN_SECRET, createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * Security properties of the HTTP edge, the logs and the supply chain, tried against the whole gateway (every
 * area on one app, as the local host serves it) over DynamoDB Local.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const PROBLEM = 'application/problem+json';

/** Every route of the app, once per method and path, with its parameters filled in with plausible values. */
function routes(app: { routes: { method: string; path: string }[] }, methods: string[]): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const { method, path } of app.routes) {
    if (!methods.includes(method) || path === '/*' || path === '*') continue;
    const concrete = path.replace(/:(\w+)(\{[^}]*\})?/g, 'x1').replace(/\*$/, 'index.html');
    const key = `${method} ${concrete}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([method, concrete]);
  }
  return out;
}

describe('request size limits', () => {
  it('answers 413 problem+json to a body over MAX_BODY_BYTES on every route that takes a body', async () => {
    const limit = gw.deps.config.MAX_BODY_BYTES;
    const withBody = routes(gw.app, ['POST', 'PUT', 'PATCH', 'DELETE']);
    expect(withBody.length).toBeGreaterThanOrEqual(10);
    const admin = await gw.adminToken();
    for (const [method, path] of withBody) {
      for (const auth of [{}, { Authorization: `Bearer ${admin}` }] as Record<string, string>[]) {
        const response = await gw.app.request(path!, {
          method,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(limit + 1), ...auth },
          body: `"${'x'.repeat(limit - 1)}"`,
        });
        expect(response.status, `${method} ${path}`).toBe(413);
        expect(response.headers.get('content-type'), `${method} ${path}`).toBe(PROBLEM);
        expect((await problemOf(response, 413)).detail).toContain(String(limit));
      }
    }
  });

  it('answers 413 to an oversized body sent without a Content-Length (chunked), without buffering it all', async () => {
    const limit = gw.deps.config.MAX_BODY_BYTES;
    let pulled = 0;
    const chunk = new TextEncoder().encode('x'.repeat(4096));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.length;
        if (pulled > limit * 16) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await gw.app.request('/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(pulled).toBeLessThan(limit * 2);
  });

  it('answers 431 problem+json when the request headers exceed HEADER_LIMIT_BYTES, on any route', async () => {
    const limit = gw.deps.config.HEADER_LIMIT_BYTES;
    expect(limit).toBe(10_240);
    const paths = [
      '/health',
      '/docs',
      '/oauth/token',
      '/v1/citizens/001099012345',
      '/admin/agencies',
      '/nowhere',
    ];
    for (const path of paths) {
      const big = await gw.app.request(path, { headers: { 'X-Padding': 'a'.repeat(limit) } });
      expect(big.status, path).toBe(431);
      expect(big.headers.get('content-type'), path).toBe(PROBLEM);
      expect(big.headers.get('x-request-id'), path).toBeTruthy();
      expect((await problemOf(big, 431)).detail).toContain(String(limit));
    }
    // Many small headers count as much as one large one.
    const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`X-H${i}`, 'v'.repeat(40)]));
    expect((await gw.app.request('/health', { headers: many })).status).toBe(431);
    // Just under the limit is served.
    const under = await gw.app.request('/health', { headers: { 'X-Padding': 'a'.repeat(limit - 200) } });
    expect(under.status).toBe(200);
  });

  it('reads the header limit from HEADER_LIMIT_BYTES', async () => {
    const config = loadConfig({ HEADER_LIMIT_BYTES: '1024' });
    const app = createBaseApp(baseAppOptions({ config, logger: createLogger('silent') }));
    app.get('/ping', (c) => c.text('pong'));
    expect((await app.request('/ping', { headers: { 'X-Padding': 'a'.repeat(900) } })).status).toBe(200);
    expect((await app.request('/ping', { headers: { 'X-Padding': 'a'.repeat(1100) } })).status).toBe(431);
    expect(() => loadConfig({ HEADER_LIMIT_BYTES: '0' })).toThrow(/HEADER_LIMIT_BYTES/);
  });
});

describe('CORS', () => {
  const preflight = (app: typeof gw.app, path: string, origin: string) =>
    app.request(path, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,x-purpose',
      },
    });
  const corsHeaders = (response: Response) => {
    const names: string[] = [];
    response.headers.forEach((_, name) => {
      if (name.toLowerCase().startsWith('access-control-')) names.push(name);
    });
    return names;
  };

  it('sends no Access-Control-* header by default, on any route, preflights included', async () => {
    expect(gw.deps.config.CORS_ALLOWED_ORIGINS).toEqual([]);
    const all = routes(gw.app, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    for (const [method, path] of all) {
      const origin = 'https://evil.example';
      const simple = await gw.app.request(path!, { method, headers: { Origin: origin } });
      expect(corsHeaders(simple), `${method} ${path}`).toEqual([]);
      const pre = await preflight(gw.app, path!, origin);
      expect(corsHeaders(pre), `OPTIONS ${path}`).toEqual([]);
      expect(pre.status, `OPTIONS ${path}`).not.toBe(204);
    }
  });

  it('allows exactly the origins in CORS_ALLOWED_ORIGINS, and no other', async () => {
    const allowed = 'https://portal.example.gov.vn';
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(gw.deps.config).map(([k, v]) => [k, String(v)])),
      CORS_ALLOWED_ORIGINS: ` ${allowed} , http://localhost:5173`,
    });
    expect(config.CORS_ALLOWED_ORIGINS).toEqual([allowed, 'http://localhost:5173']);
    const app = createGatewayApp({ ...gw.deps, config });

    const ok = await preflight(app, '/v1/citizens/001099012345', allowed);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-purpose');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toContain('Origin');

    const simple = await app.request('/health', { headers: { Origin: allowed } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(simple.headers.get('access-control-expose-headers')).toContain('X-Request-Id');

    for (const origin of [
      'https://evil.example',
      'https://portal.example.gov.vn.evil.example',
      'null',
      '*',
    ]) {
      const refused = await preflight(app, '/v1/citizens/001099012345', origin);
      expect(corsHeaders(refused), origin).toEqual([]);
      const plain = await app.request('/health', { headers: { Origin: origin } });
      expect(corsHeaders(plain), origin).toEqual([]);
      expect(plain.headers.get('vary')).toContain('Origin');
    }
  });

  it('refuses a wildcard, a path or a non-HTTP origin in CORS_ALLOWED_ORIGINS at cold start', () => {
    for (const bad of ['*', 'https://a.example/path', 'https://*.example', 'ftp://a.example', 'a.example']) {
      expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: bad }), bad).toThrow(/CORS_ALLOWED_ORIGINS/);
    }
  });
});

describe('security headers', () => {
  it('serves every HTML page with CSP, nosniff, frame-ancestors, X-Frame-Options, Referrer-Policy and HSTS, and nothing from another origin', async () => {
    const pages: string[] = [];
    for (const [, path] of routes(gw.app, ['GET'])) {
      const response = await gw.app.request(path!);
      if (!response.headers.get('content-type')?.startsWith('text/html')) continue;
      pages.push(path!);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/default-src '(self|none)'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toMatch(/script-src 'self'(;|$)/);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toMatch(/^(DENY|SAMEORIGIN)$/);
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security'), path).toMatch(/max-age=\d{7,}/);
      const html = await response.text();
      expect(html.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\/[^"' >]+/gi) ?? [], path).toEqual([]);
    }
    expect(pages).toContain('/docs');
  });

  it('serves no file outside its own assets, however the path is encoded', async () => {
    // The public routes that name a file (the API routes behind a token are the fuzz suite's).
    const assetRoutes = gw.app.routes.filter(
      (r) => r.method === 'GET' && /:\w+$/.test(r.path) && !/^\/(v1|admin|billing|audit|me)\//.test(r.path),
    );
    expect(assetRoutes.length).toBeGreaterThan(0);
    const traversals = [
      '..%2f..%2f..%2fpackage.json',
      '%2e%2e%2f%2e%2e%2fpackage.json',
      '..%5c..%5cpackage.json',
      '....//package.json',
    ];
    for (const route of assetRoutes) {
      for (const traversal of traversals) {
        const path = route.path.replace(/:\w+$/, traversal);
        const response = await gw.app.request(path);
        expect(response.status, path).toBe(404);
        expect(await response.text(), path).not.toContain('"devDependencies"');
      }
    }
  });

  it('marks API answers nosniff and uncacheable by intermediaries when they carry data', async () => {
    const { agencyId, clientId, clientSecret } = await gw.agencyWithCredential({
      code: 'SEC-HDR',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    expect(agencyId).toBeTruthy();
    const token = await gw.token(clientId, clientSecret);
    const response = await gw.call(token, 'GET', '/v1/citizens/001099012345', undefined, {
      'X-Purpose': '1.001',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const problem = await gw.app.request('/v1/citizens/001099012345');
    expect(problem.headers.get('cache-control')).toBe('no-store');
  });
});

describe('privilege', () => {
  it('keeps the platform scopes (admin, billing, audit) with the operator agency', async () => {
    const admin = await gw.adminToken();
    const agency = await gw.agencyWithCredential({
      code: 'SEC-PRIV',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    for (const scope of ['admin', 'billing:read', 'billing:close', 'audit:read']) {
      const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
        scopes: [scope],
      });
      expect(issued.status, scope).toBe(400);
      const asked = await gw.app.request('/oauth/token', {
        method: 'POST',
        headers: {
          Authorization: gw.basic(agency.clientId, agency.clientSecret),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      });
      expect(asked.status, scope).toBe(400);
      expect((await answerTo(asked, tokenRoute, 400)).error, scope).toBe('invalid_scope');
    }
    const token = await gw.token(agency.clientId, agency.clientSecret);
    for (const path of ['/admin/agencies', '/billing/summary/2026-11', '/audit/verify']) {
      expect((await gw.call(token, 'GET', path)).status, path).toBe(403);
    }
  });
});

describe('logs', () => {
  it('never carry a secret, a token, a national ID, a name or a birth date, through a whole scenario', async () => {
    const written: string[] = [];
    const keep = (chunk: unknown) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(keep as typeof process.stdout.write);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep as typeof process.stderr.write);
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      });
    }
    const secrets: string[] = [ADMIN_SECRET];
    const tokens: string[] = [];
    const ids = ['001099012345', '048301000123', '001099777777', '00109901234X'];
    const names = ['Nguyễn Văn An', 'Trần Thị Bích', 'Phạm Thị Hoa'];
    const births = ['1999-05-14', '2001-11-02', '1990-01-01'];
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const postToken = (body: string, headers: Record<string, string> = {}) =>
      gw.app.request('/oauth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const accessToken = async (response: Response) => {
      const { access_token } = await answerTo(response, tokenRoute);
      tokens.push(access_token);
      return access_token;
    };

    // The bootstrap admin, a secret credential (basic and post), its rotation, a private_key_jwt credential.
    const admin = await accessToken(
      await postToken(form({ grant_type: 'client_credentials' }), {
        Authorization: gw.basic('test-admin', ADMIN_SECRET),
      }),
    );
    const entitlements: Entitlement[] = [
      { operation: 'citizen:read', purposes: ['1.001'], fields: ['fullName', 'dateOfBirth', 'gender'] },
      { operation: 'citizen:verify', purposes: ['1.001'] },
      { operation: 'business:read', purposes: ['2.001'] },
      { operation: 'business:search', purposes: ['2.001'] },
    ];
    const scopes: Scope[] = entitlements.map((e) => e.operation);
    const agency = await gw.agencyWithCredential({ code: 'SEC-LOGS', entitlements, scopes });
    secrets.push(agency.clientSecret);
    const basic = await accessToken(
      await postToken(form({ grant_type: 'client_credentials' }), {
        Authorization: gw.basic(agency.clientId, agency.clientSecret),
      }),
    );
    await accessToken(
      await postToken(
        form({
          grant_type: 'client_credentials',
          client_id: agency.clientId,
          client_secret: agency.clientSecret,
        }),
      ),
    );
    const rotated = await gw.call(admin, 'POST', `/admin/credentials/${agency.clientId}/rotate`, {});
    const newSecret = (await answerTo(rotated, rotateCredentialRoute)).clientSecret;
    if (newSecret === undefined) throw new Error('a rotation answers the new secret');
    secrets.push(newSecret);
    const token = await accessToken(
      await postToken(form({ grant_type: 'client_credentials' }), {
        Authorization: gw.basic(agency.clientId, newSecret),
      }),
    );
    const wrongSecret = `${newSecret.slice(0, -4)}zzzz`;
    secrets.push(wrongSecret);
    expect(
      (
        await postToken(form({ grant_type: 'client_credentials' }), {
          Authorization: gw.basic(agency.clientId, wrongSecret),
        })
      ).status,
    ).toBe(401);

    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    secrets.push(privateJwk.d!);
    const jwtClient = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
      scopes: ['citizen:read'],
      publicJwk: await exportJWK(pair.publicKey),
    });
    const jwtClientId = (await issuedCredentialOf(jwtClient)).clientId;
    const assertion = await clientAssertion(
      jwtClientId,
      pair.privateKey,
      `${gw.deps.config.TOKEN_ISSUER}/oauth/token`,
    );
    secrets.push(assertion);
    const jwtToken = await accessToken(await postToken(assertionForm(assertion)));
    expect((await postToken(assertionForm(assertion))).status).toBe(401); // replayed jti

    // Registry calls: lookups, misses, bad input, verifies with names and dates, businesses, refusals.
    const purpose = { 'X-Purpose': '1.001', 'X-Officer-Id': 'CB-0042', 'X-Case-Id': 'HS-2026-77' };
    for (const id of ids) {
      await gw.call(token, 'GET', `/v1/citizens/${id}?fields=fullName,dateOfBirth`, undefined, purpose);
      await gw.call(jwtToken, 'GET', `/v1/citizens/${id}`, undefined, purpose);
      await gw.call(token, 'GET', `/v1/citizens/${id}`, undefined, { 'X-Purpose': '9.999' });
      await gw.call(token, 'GET', `/v1/citizen/${id}`, undefined, purpose);
    }
    for (const [i, id] of ids.entries()) {
      const body = {
        nationalId: id,
        fullName: names[i % names.length],
        dateOfBirth: births[i % births.length],
      };
      await gw.call(token, 'POST', '/v1/citizens/verify', body, purpose);
      await gw.call(token, 'POST', '/v1/citizens/verify', { ...body, gender: 'unknown' }, purpose);
      await gw.app.request('/v1/citizens/verify', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...purpose },
        body: `{"nationalId":"${id}","fullName":"${names[0]}",`,
      });
    }
    const keyed = { ...purpose, 'Idempotency-Key': 'sec-logs-1' };
    await gw.call(token, 'GET', `/v1/citizens/${ids[0]}`, undefined, keyed);
    await gw.call(token, 'GET', `/v1/citizens/${ids[1]}`, undefined, keyed);
    for (const code of ['0401234567', '5701234567', '0109999999']) {
      await gw.call(token, 'GET', `/v1/businesses/${code}`, undefined, { 'X-Purpose': '2.001' });
    }
    await gw.call(token, 'GET', `/v1/businesses?name=${encodeURIComponent('Sông Hàn')}`, undefined, {
      'X-Purpose': '2.001',
    });

    // Billing and the audit trail, as finance and the auditor see them.
    const fin = await gw.operatorCredential(['billing:read', 'audit:read']);
    secrets.push(fin.clientSecret);
    const finToken = await accessToken(
      await postToken(form({ grant_type: 'client_credentials' }), {
        Authorization: gw.basic(fin.clientId, fin.clientSecret),
      }),
    );
    const period = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 7);
    for (const path of [
      `/billing/usage?agency=${agency.agencyId}&from=${period}&to=${period}`,
      `/billing/statements/${period}?agency=${agency.agencyId}`,
      `/billing/statements/${period}/entries?agency=${agency.agencyId}&operation=citizen:read`,
      `/billing/summary/${period}`,
      `/audit/events?subject=${ids[0]}`,
      `/audit/events?agency=${agency.agencyId}`,
      `/audit/subjects/${ids[1]}/history`,
      `/audit/subjects/${ids[3]}/history`,
      '/audit/verify',
    ]) {
      expect((await gw.call(finToken, 'GET', path)).status, path).toBeLessThan(500);
    }

    // The failure paths log too: a ledger write the store refuses (503), and an unexpected error (500).
    let fault: 'TransactWriteCommand' | 'BatchGetCommand' = 'TransactWriteCommand';
    const store = new Proxy(gw.deps.store, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: object) => {
          if (command.constructor.name === fault && fault === 'TransactWriteCommand') {
            throw Object.assign(new Error('Throughput exceeded (simulated)'), {
              name: 'ProvisionedThroughputExceededException',
              $fault: 'server',
            });
          }
          if (command.constructor.name === fault) throw new TypeError('Cannot read properties of undefined');
          return target.send(command as never);
        };
      },
    });
    const failing = createGatewayApp({ ...gw.deps, store });
    for (const expected of [503, 500]) {
      for (const [i, id] of ids.slice(0, 2).entries()) {
        const lookup = await failing.request(`/v1/citizens/${id}?fields=fullName`, {
          headers: { Authorization: `Bearer ${token}`, ...purpose },
        });
        expect(lookup.status).toBe(expected);
        const verify = await failing.request('/v1/citizens/verify', {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...purpose },
          body: JSON.stringify({ nationalId: id, fullName: names[i], dateOfBirth: births[i] }),
        });
        expect(verify.status).toBe(expected);
      }
      fault = 'BatchGetCommand';
    }
    expect(gw.deps.logs.text()).toContain('ledger write failed');
    expect(gw.deps.logs.text()).toContain('unhandled error');

    // Revocation, and a revoked token used again.
    await gw.call(admin, 'DELETE', `/admin/credentials/${agency.clientId}`);
    expect((await gw.call(basic, 'GET', `/v1/citizens/${ids[0]}`, undefined, purpose)).status).toBe(401);
    expect((await gw.call(`${basic}x`, 'GET', `/v1/citizens/${ids[0]}`, undefined, purpose)).status).toBe(
      401,
    );

    vi.restoreAllMocks();
    const logged = [...gw.deps.logs.lines, ...written].join('\n');
    expect(gw.deps.logs.lines.length).toBeGreaterThan(50);
    const forbidden = [
      ...secrets,
      ...tokens,
      ...tokens.map((t) => t.split('.')[2]!),
      ...ids,
      ...names,
      ...names.map((n) => encodeURIComponent(n)),
      ...names.map((n) => n.normalize('NFD')),
      ...births,
    ];
    expect(forbidden.filter((value) => logged.includes(value))).toEqual([]);
  });
});

describe('dependencies', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as Record<
    'dependencies' | 'devDependencies' | 'overrides',
    Record<string, string>
  >;
  const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<
      string,
      { version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
    >;
  };
  const exact = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

  it('pins every dependency, devDependency and override to an exact version', () => {
    for (const group of ['dependencies', 'devDependencies', 'overrides'] as const) {
      for (const [name, version] of Object.entries(pkg[group] ?? {})) {
        expect(version, `${group} ${name}`).toMatch(exact);
      }
    }
  });

  it('has a package-lock.json in step with package.json: the same ranges, and exactly the pinned versions installed', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    const root = lock.packages[''];
    expect(root?.dependencies).toEqual(pkg.dependencies);
    expect(root?.devDependencies).toEqual(pkg.devDependencies);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
    for (const [name, version] of Object.entries(pkg.overrides ?? {})) {
      const installed = Object.entries(lock.packages).filter(([path]) =>
        path.endsWith(`node_modules/${name}`),
      );
      expect(installed.length, name).toBeGreaterThan(0);
      for (const [path, entry] of installed) expect(entry.version, path).toBe(version);
    }
  });
});
