import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGatewayApp } from '../../../local/gateway-app';
import {
  documentedOperations,
  enforceDocumentedStatuses,
  type OpenApiPaths,
  UndocumentedStatusError,
} from '../../support/documented-statuses';
import { createTestGateway, type TestGateway } from '../../support/gateway';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

/** What the app serves that is no API operation: pages and the files they load, and the document itself. */
const NOT_OPERATIONS = new Set([
  'GET /docs',
  'GET /docs/init.js',
  'GET /docs/assets/:file',
  'GET /console',
  'GET /console/',
  'GET /favicon.ico',
  'GET /console/assets/:file{.+}',
  'GET /openapi.json',
  'GET /favicon.ico',
]);

type Document = OpenApiPaths & {
  paths: Record<string, Record<string, { operationId?: string; security?: unknown }>>;
};

let gw: TestGateway;
let served: Document;
let dir: string;

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  const response = await gw.app.request('/openapi.json');
  expect(response.status).toBe(200);
  served = (await response.json()) as Document;
  dir = await mkdtemp(join(tmpdir(), 'ndg-openapi-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the served OpenAPI document', () => {
  it('passes redocly lint with the recommended rules (redocly.yaml), no error and no warning', async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(served));
    // Exit code 1 when a rule fails: the report on stdout says which, and is what is asserted.
    const { stdout } = await run(
      bin('redocly'),
      ['lint', '--format=json', `--config=${join(ROOT, 'redocly.yaml')}`, file],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems
      .map((p) => `${p.severity} ${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`)
      .join('\n');
    expect(report.totals.errors, problems).toBe(0);
    expect(report.totals.warnings, problems).toBe(0);
  });

  it('documents exactly the routes the gateway serves, each with a unique operationId and its security', () => {
    const documented = documentedOperations(served).map(
      (op) => `${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`,
    );
    const routes = [
      ...new Set(
        gw.app.routes
          .filter((route) => !['ALL', 'HEAD', 'OPTIONS'].includes(route.method))
          .map((route) => `${route.method} ${route.path}`),
      ),
    ].filter((route) => !NOT_OPERATIONS.has(route));
    expect(routes.length).toBeGreaterThan(30);
    expect(
      routes.filter((route) => !documented.includes(route)),
      'served but not documented',
    ).toEqual([]);
    expect(
      documented.filter((op) => !routes.includes(op)),
      'documented but not served',
    ).toEqual([]);

    const operations = Object.values(served.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((op) => op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      'repeated operationIds',
    ).toEqual([]);
    expect(operations.filter((op) => !Array.isArray(op.security)).map((op) => op.operationId)).toEqual([]);
  });
});

describe('documented statuses', () => {
  it('records the test gateway answers by operation and status', async () => {
    const before = gw.answers.length;
    await gw.app.request('/v1/citizens/001099012345', { headers: { 'X-Purpose': '1.004194' } });
    await gw.app.request('/health');
    expect(gw.answers.slice(before).map((a) => `${a.operationId} ${a.status}`)).toEqual([
      'getCitizen 401',
      'getHealth 200',
    ]);
  });

  it('fails any test whose request gets a status its operation does not document', async () => {
    // The same gateway, checked against a document that leaves out getCitizen's 401.
    const app = createGatewayApp(gw.deps);
    const citizen = served.paths['/v1/citizens/{nationalId}']!.get as { responses: Record<string, unknown> };
    const { 401: _left, ...responses } = citizen.responses;
    const document = structuredClone(served);
    (document.paths['/v1/citizens/{nationalId}']!.get as { responses: unknown }).responses = responses;
    enforceDocumentedStatuses(app, document);
    const request = app.request('/v1/citizens/001099012345', { headers: { 'X-Purpose': '1.004194' } });
    await expect(request).rejects.toThrow(UndocumentedStatusError);
    await expect(
      app.request('/v1/citizens/001099012345', { headers: { 'X-Purpose': '1.004194' } }),
    ).rejects.toThrow(/GET \/v1\/citizens\/\{nationalId\} \(getCitizen\) answered 401/);
  });
});

describe('a typed client generated from /openapi.json', () => {
  it('compiles against the document with openapi-typescript and openapi-fetch, and rejects a wrong call', async () => {
    const schema = astToString(await openapiTS(JSON.stringify(served)));
    await writeFile(join(dir, 'schema.d.ts'), schema);
    await writeFile(
      join(dir, 'client.ts'),
      `import createClient from 'openapi-fetch';
import type { operations, paths } from './schema';

const client = createClient<paths>({ baseUrl: 'http://localhost:3000' });

/** A citizen's full name, as an agency's program reads it. */
export async function fullNameOf(token: string, nationalId: string): Promise<string | undefined> {
  const { data, error } = await client.GET('/v1/citizens/{nationalId}', {
    params: {
      path: { nationalId },
      query: { fields: 'fullName' },
      header: { 'X-Purpose': '1.004194', 'Idempotency-Key': crypto.randomUUID() },
    },
    headers: { Authorization: \`Bearer \${token}\` },
  });
  if (error) throw new Error(error.detail);
  return data.data.fullName;
}

export type TokenAnswer = operations['issueToken']['responses'][200]['content']['application/json'];

export async function wrongCall() {
  await client.GET('/v1/citizens/{nationalId}', {
    params: {
      // @ts-expect-error a national ID is a string of 12 digits, not a number
      path: { nationalId: 1099012345 },
      header: { 'X-Purpose': '1.004194' },
    },
  });
}
`,
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          noEmit: true,
          types: [],
        },
        files: ['client.ts'],
      }),
    );
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const result = await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
      () => ({ code: 0, out: '' }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, out: error.stdout ?? '' }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 30_000);
});
