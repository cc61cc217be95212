import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { restEvent } from '../../../bench/cold-start';
import { buildGateway } from '../../infra/gateway-fixture';
import { ADMIN_ID, ADMIN_SECRET, createTestGateway, type TestGateway } from '../../support/gateway';

/**
 * The bundles as Lambda runs them, against DynamoDB Local: each HTTP function answers a request its schemas
 * refuse (400) and one it serves (200). In a bundle zod-to-openapi is the small runtime stand-in of
 * infra/bundling/zod-to-openapi, while every other test runs the real package: this is where the stand-in is
 * shown to validate and answer as the package does.
 */

const execFileAsync = promisify(execFile);

type HttpFunction = 'token' | 'registry' | 'admin' | 'billing' | 'audit';

interface Request {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Loads a bundle in plain Node, in its asset folder, and hands it the requests one by one. */
async function serve(dir: string, env: Record<string, string>, requests: Request[]): Promise<Answer[]> {
  const url = pathToFileURL(join(dir, 'index.mjs')).href;
  const script = `
    const { handler } = await import(${JSON.stringify(url)});
    const answers = [];
    for (const event of ${JSON.stringify(requests.map((request, n) => restEvent(request, `bundle-${n}`)))}) {
      const answer = await handler(event, { awsRequestId: event.requestContext.requestId });
      const headers = Object.fromEntries(Object.entries({ ...answer.headers, ...answer.multiValueHeaders })
        .map(([k, v]) => [k.toLowerCase(), String(v)]));
      answers.push({ status: answer.statusCode, contentType: headers['content-type'] ?? '', body: answer.body });
    }
    process.stdout.write(JSON.stringify(answers));`;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Answer[];
}

describe('the function bundles, served', () => {
  let gw: TestGateway;
  let outdir: string;
  let dirs: Record<HttpFunction, string>;
  let env: Record<string, string>;
  const bearer: Record<'admin' | 'agency' | 'finance', string> = { admin: '', agency: '', finance: '' };

  beforeAll(async () => {
    const endpoint = inject('dynamoEndpoint');
    gw = await createTestGateway(endpoint);
    const agency = await gw.agencyWithCredential({
      code: 'BUNDLE',
      entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
      scopes: ['citizen:read'],
    });
    bearer.admin = await gw.adminToken();
    // A rotation publishes the public keys to the control table, where the verify-only functions read them.
    const rotated = await gw.call(bearer.admin, 'POST', '/admin/signing-keys/rotate');
    expect(rotated.status, await rotated.clone().text()).toBe(200);
    bearer.admin = await gw.adminToken();
    bearer.agency = await gw.token(agency.clientId, agency.clientSecret);
    bearer.finance = await gw.operatorToken(['billing:read']);

    const { app, gateway } = buildGateway({ bundle: true });
    outdir = app.outdir;
    app.synth();
    const names: HttpFunction[] = ['token', 'registry', 'admin', 'billing', 'audit'];
    dirs = Object.fromEntries(
      names.map((name) => {
        const asset = gateway.api.functions[name].function.node.findChild('Code') as Asset;
        return [name, join(app.outdir, asset.assetPath)];
      }),
    ) as Record<HttpFunction, string>;
    // The test gateway's tables and token settings; keys as the verify-only functions read them in AWS (the
    // public keys the rotation above published to the control table).
    const { config } = gw.deps;
    env = {
      DYNAMODB_ENDPOINT: endpoint,
      CONTROL_TABLE: config.CONTROL_TABLE,
      REGISTRY_TABLE: config.REGISTRY_TABLE,
      LEDGER_TABLE: config.LEDGER_TABLE,
      TOKEN_ISSUER: config.TOKEN_ISSUER,
      TOKEN_AUDIENCE: config.TOKEN_AUDIENCE,
      SIGNING_KEYS_SOURCE: 'published',
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'silent',
    };
  }, 120_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const auth = (who: keyof typeof bearer, extra: Record<string, string> = {}) => ({
    Authorization: `Bearer ${bearer[who]}`,
    ...extra,
  });

  /** The problem type of an answer, or its status and body when it is not one. */
  const problemType = (answer: Answer) =>
    answer.contentType.startsWith('application/problem+json')
      ? (JSON.parse(answer.body) as { type: string }).type
      : `${answer.status} ${answer.contentType} ${answer.body.slice(0, 200)}`;

  it('token: publishes its keys (200) and refuses a grant it does not serve (400)', async () => {
    const [jwks, grant] = await serve(dirs.token, env, [
      { method: 'GET', path: '/.well-known/jwks.json' },
      {
        method: 'POST',
        path: '/oauth/token',
        headers: {
          Authorization: `Basic ${Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=password',
      },
    ]);
    expect(jwks?.status, jwks?.body).toBe(200);
    expect((JSON.parse(jwks?.body ?? '{}') as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    expect(grant?.status, grant?.body).toBe(400);
    expect(JSON.parse(grant?.body ?? '{}')).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('registry: serves a citizen (200) and refuses a malformed national ID by its schema (400)', async () => {
    const headers = auth('agency', { 'X-Purpose': '1.001' });
    const [found, malformed] = await serve(dirs.registry, env, [
      { method: 'GET', path: '/v1/citizens/001099012345', headers },
      { method: 'GET', path: '/v1/citizens/12345', headers },
    ]);
    expect(found?.status, found?.body).toBe(200);
    expect(JSON.parse(found?.body ?? '{}')).toMatchObject({
      data: { nationalId: '001099012345' },
      purpose: '1.001',
    });
    expect(malformed?.status, malformed?.body).toBe(400);
    expect(problemType(malformed!)).toBe('/problems/validation-error');
    expect(JSON.parse(malformed?.body ?? '{}').errors[0]).toMatchObject({ path: 'nationalId' });
  });

  it('admin: lists agencies (200) and refuses a body its schema does not take (400)', async () => {
    const [listed, refused] = await serve(dirs.admin, env, [
      { method: 'GET', path: '/admin/agencies', headers: auth('admin') },
      {
        method: 'POST',
        path: '/admin/agencies',
        headers: auth('admin', { 'Content-Type': 'application/json' }),
        body: JSON.stringify({ code: 'lower case', name: '' }),
      },
    ]);
    expect(listed?.status, listed?.body).toBe(200);
    expect(JSON.parse(listed?.body ?? '{}').items.map((a: { code: string }) => a.code)).toContain('BUNDLE');
    expect(refused?.status, refused?.body).toBe(400);
    expect(problemType(refused!)).toBe('/problems/validation-error');
  });

  it('billing: reports usage (200) and refuses a granularity it does not know (400)', async () => {
    const [usage, refused] = await serve(dirs.billing, env, [
      { method: 'GET', path: '/billing/usage', headers: auth('finance') },
      { method: 'GET', path: '/billing/usage', query: { granularity: 'week' }, headers: auth('finance') },
    ]);
    expect(usage?.status, usage?.body).toBe(200);
    expect(JSON.parse(usage?.body ?? '{}')).toMatchObject({ granularity: 'month' });
    expect(refused?.status, refused?.body).toBe(400);
    expect(problemType(refused!)).toBe('/problems/validation-error');
  });

  it('audit: reads the trail of a subject (200) and refuses a limit out of range (400)', async () => {
    const [trail, refused] = await serve(dirs.audit, env, [
      { method: 'GET', path: '/audit/events', query: { subject: '001099012345' }, headers: auth('admin') },
      {
        method: 'GET',
        path: '/audit/events',
        query: { subject: '001099012345', limit: '0' },
        headers: auth('admin'),
      },
    ]);
    expect(trail?.status, trail?.body).toBe(200);
    expect(Array.isArray(JSON.parse(trail?.body ?? '{}').items)).toBe(true);
    expect(refused?.status, refused?.body).toBe(400);
    expect(problemType(refused!)).toBe('/problems/validation-error');
  });
});
