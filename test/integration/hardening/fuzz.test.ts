import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildOpenApiDocument } from '../../../functions/token/openapi';
import { periodOf } from '../../../shared/ledger/period';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { issuedCredentialOf } from '../../support/answers';
import { ADMIN_ID, createTestGateway, type TestGateway } from '../../support/gateway';
import { leaksIn, problemShapeError } from '../../support/hardening/response';
import {
  describeChanges,
  type StoreChange,
  type StoreSnapshot,
  snapshotStore,
  storeChanges,
} from '../../support/hardening/store';

/**
 * Property-based fuzzing of every route the gateway serves: each operation of the OpenAPI document, and
 * every other GET route the app has (docs, assets, pages), with hostile paths, query strings, headers and
 * bodies, sent anonymously, with malformed credentials and with valid tokens of every kind of caller.
 *
 * FUZZ_SEED fixes the seed (printed with any failure, with the shrunk request); FUZZ_RUNS the runs per route.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 14);

type Caller = 'admin' | 'billing' | 'audit' | 'agency';
const CALLERS: Caller[] = ['admin', 'billing', 'audit', 'agency'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Operation {
  method: string;
  /** The path template, `{name}` for each path parameter. */
  path: string;
  pathParams: string[];
  query: string[];
  /** Each query parameter's schema in the document (the forms a range bound takes, a page's largest size). */
  querySchemas: Record<string, Json>;
  headers: string[];
  /** The request body's media type, if the operation takes one. */
  body?: string | undefined;
  /** Top-level property names of the body schema, so bodies can be almost right. */
  bodyFields: string[];
  secured: boolean;
}

interface FuzzRequest {
  op: string;
  method: string;
  url: string;
  auth: string;
  headers: [string, string][];
  body?: string | Uint8Array | undefined;
  /** Everything the request carries, as text: what the gateway may legitimately echo back. */
  echo: string;
}

let gw: TestGateway;
const tokens = {} as Record<Caller, string>;
let victim: { agencyId: string; clientId: string };
let agencyId: string;
let jwtClient: { clientId: string; key: CryptoKey };
/** A served call whose audit record is in the log: the proof route's real path parameter. */
let sealedRequestId: string;
let before: StoreSnapshot;
const prototypesBefore = prototypeNames();
const stats = {
  requests: 0,
  refusedByFetch: 0,
  byStatus: new Map<number, number>(),
  /** Per route, the statuses met: shows how deep the fuzzer got (401/404/431 stop at the door). */
  byRoute: new Map<string, Map<number, number>>(),
};

async function mintTokens() {
  tokens.admin = await gw.adminToken();
  tokens.billing = await gw.token(operatorClients.billing.clientId, operatorClients.billing.clientSecret);
  tokens.audit = await gw.token(operatorClients.audit.clientId, operatorClients.audit.clientSecret);
  tokens.agency = await gw.token(agencyClient.clientId, agencyClient.clientSecret);
}

let operatorClients: Record<'billing' | 'audit', { clientId: string; clientSecret: string }>;
let agencyClient: { clientId: string; clientSecret: string };

beforeAll(async () => {
  // Limits high enough that the fuzzer reaches validation and the store, not the rate limiter.
  gw = await createTestGateway(inject('dynamoEndpoint'), {
    env: {
      DEFAULT_RATE_PER_SECOND: '100000',
      DEFAULT_RATE_BURST: '100000',
      DEFAULT_MONTHLY_QUOTA: '10000000',
    },
  });
  const admin = await gw.adminToken();
  operatorClients = {
    billing: await gw.operatorCredential(['billing:read', 'billing:close']),
    audit: await gw.operatorCredential(['audit:read']),
  };
  const all = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const;
  const agency = await gw.agencyWithCredential({
    code: 'FUZZ-1',
    entitlements: all.map((operation) => ({ operation, purposes: ['1.001'] })),
    // self:read too: the agency caller is the home caller of /me.
    scopes: [...all, 'self:read'],
  });
  agencyId = agency.agencyId;
  agencyClient = agency;
  // A second agency whose ids are used as real path parameters, so admin changes never touch the callers.
  victim = await gw.agencyWithCredential({
    code: 'FUZZ-VICTIM',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
    scopes: ['citizen:read'],
    publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256' },
  });
  jwtClient = { clientId: (await issuedCredentialOf(issued)).clientId, key: privateKey };
  await mintTokens();
  // One call sealed into the audit log, so its routes answer a checkpoint and a proof, not only 404.
  const served = await gw.call(
    tokens.agency,
    'GET',
    `/v1/citizens/${demoCitizens[0]!.nationalId}`,
    undefined,
    {
      'X-Purpose': '1.001',
    },
  );
  expect(served.status).toBe(200);
  sealedRequestId = served.headers.get('x-request-id')!;
  expect((await gw.seal()).treeSize).toBeGreaterThan(0);
  before = await snapshotStore(gw.deps.store, gw.deps.tables);
}, 60_000);

afterAll(() => {
  const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
  console.info(
    `fuzz: seed ${SEED}, ${RUNS} runs per route, ${stats.requests} requests (${stats.refusedByFetch} header values the fetch API refused), statuses ${statuses.join(' ')}`,
  );
});

// ---------------------------------------------------------------------------------------------------------
// The routes under test

type Json = Record<string, unknown>;

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.split('/').pop()!;
  return ((doc.components as Json).schemas as Json)[name] as Json;
}

function documentedOperations(): Operation[] {
  const doc = buildOpenApiDocument('http://localhost') as unknown as Json;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, raw] of Object.entries(item as Json)) {
      const op = raw as Json;
      const params = (op.parameters as { in: string; name: string; schema?: Json }[] | undefined) ?? [];
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Json;
      const [mediaType] = Object.keys(content);
      const schema = mediaType ? resolve(doc, (content[mediaType] as Json).schema as Json) : undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        querySchemas: Object.fromEntries(
          params.filter((p) => p.in === 'query').map((p) => [p.name, resolve(doc, p.schema) ?? {}]),
        ),
        headers: params.filter((p) => p.in === 'header').map((p) => p.name),
        body: mediaType,
        bodyFields: Object.keys((schema?.properties as Json | undefined) ?? {}),
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return ops;
}

/** Routes the app serves that the document does not describe (the docs, their assets, any page). */
function undocumentedGetRoutes(documented: Operation[]): Operation[] {
  const known = new Set(documented.map((o) => `${o.method} ${o.path}`));
  const seen = new Set<string>();
  const ops: Operation[] = [];
  for (const route of gw.app.routes) {
    if (route.method !== 'GET' || route.path.includes('*')) continue;
    const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
    if (known.has(`GET ${path}`) || seen.has(path)) continue;
    seen.add(path);
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    ops.push({
      method: 'GET',
      path,
      pathParams,
      query: [],
      querySchemas: {},
      headers: [],
      bodyFields: [],
      secured: false,
    });
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------------------
// Hostile values

const hostileStrings = [
  '',
  ' ',
  '..',
  '../..',
  '../../etc/passwd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '..%2F..%2Fadmin',
  '%2F',
  '%5C',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  '%00',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u007f',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  '1e309',
  '9007199254740993',
  '-9007199254740993',
  '0x1F',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  '__proto__[polluted]',
  'e\u0301',
  '\u00e9',
  'Nguye\u0302\u0303n',
  'Nguyễn Văn An',
  '\ufeff001099012345',
  '\u202e',
  '\ud800',
  '\udfff',
  '\u{1f431}',
  "' OR 1=1 --",
  '" OR ""="',
  '<script>alert(1)</script>',
  '$' + '{7*7}',
  '{{7*7}}',
  '%0d%0aSet-Cookie:%20x=1',
  'a\r\nX-Injected: 1',
  '\t',
  'AUDIT#x',
  'ENTRY#ag_platform#2026-01#x',
  'pk',
  '*',
  '001099012345',
  '0012345678901234567890',
  '0401234567-001',
  '2026-13',
  '0000-00',
  '9999-12',
  'ag_platform',
  'test-admin',
];

const hostileSmall = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
);
const huge = fc.integer({ min: 256, max: 70_000 }).map((n) => 'A'.repeat(n));
const hostile = fc.oneof({ weight: 8, arbitrary: hostileSmall }, { weight: 1, arbitrary: huge });

/** A value that the route will accept, so validation of the rest of the request is reached. */
function realValue(name: string): string[] {
  switch (name) {
    case 'nationalId':
    case 'subject':
      return [demoCitizens[0]!.nationalId, '001099999999'];
    case 'enterpriseCode':
      return [demoBusinesses[0]!.enterpriseCode, '0401234567-001', '9999999999'];
    case 'id':
    case 'agency':
      return [victim.agencyId];
    case 'clientId':
      return [victim.clientId];
    case 'requestId':
      return [sealedRequestId, '00000000-0000-4000-8000-000000000000'];
    case 'period':
    case 'from':
    case 'to':
      return ['2026-01', '2025-12-31'];
    case 'fields':
      return ['fullName,dateOfBirth', 'nationalId'];
    case 'file':
      return ['swagger-ui.css', 'swagger-ui-bundle.js', 'app.js', 'console.css', 'uPlot.min.css'];
    case 'X-Purpose':
      return ['1.001'];
    default:
      return ['1', 'x'];
  }
}

const valueFor = (name: string, values = hostile) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...realValue(name)) }, { weight: 2, arbitrary: values });

/** How a value is put into a URL: as is (the URL parser's business), percent-encoded, or double-encoded. */
const inUrl = (value: string, how: number) => {
  try {
    if (how === 1) return encodeURIComponent(value);
    if (how === 2) return encodeURIComponent(encodeURIComponent(value));
  } catch {
    // A lone surrogate cannot be percent-encoded: send it raw.
  }
  return value;
};

const pathArb = (op: Operation) =>
  fc
    .record({
      values: fc.tuple(...op.pathParams.map((p) => fc.tuple(valueFor(p), fc.nat(2)))),
      suffix: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('/', '//', '/..', '/%2e%2e', '/x', '?', '#x', ';x=1', '%00'),
        },
      ),
      prefix: fc.oneof(
        { weight: 8, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constantFrom('/', '/./', '/v1/../') },
      ),
    })
    .map(({ values, suffix, prefix }) => {
      let i = 0;
      const path = op.path.replace(/\{\w+\}/g, () => {
        const [value, how] = values[i++]!;
        return inUrl(value, how);
      });
      return `${prefix}${path}${suffix}`.replace(/^\/\/+/, '/');
    });

const queryArb = (op: Operation) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: op.query.length ? fc.constantFrom(...op.query) : fc.constant('q') },
          { weight: 1, arbitrary: hostile },
        ),
        hostile,
        fc.nat(2),
      ),
      { maxLength: 5 },
    )
    .chain((pairs) =>
      fc.constantFrom(...(op.query.length ? op.query : ['q'])).map((name) => {
        // Sometimes the same key again: repeated keys must be refused or read once, never crash.
        const repeated = pairs.length && pairs.length % 2 === 0 ? [[name, '1', 1] as const] : [];
        return [...pairs, ...repeated].map(([k, v, how]) => `${inUrl(k, how)}=${inUrl(v, how)}`).join('&');
      }),
    );

/** The caller whose scopes a route is for: most authenticated requests use it, so validation is reached. */
const homeCaller = (op: Operation): Caller =>
  op.path.startsWith('/admin')
    ? 'admin'
    : op.path.startsWith('/billing')
      ? 'billing'
      : op.path.startsWith('/audit')
        ? 'audit'
        : 'agency';

/** Authorization header shapes: none, valid tokens of each caller, and broken ones built from them. */
const authArb = (op: Operation) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant('none') },
    { weight: 8, arbitrary: fc.constant<string>(homeCaller(op)) },
    { weight: 2, arbitrary: fc.constantFrom<string>(...CALLERS) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Bearer x.y.z',
        'Bearer ey.ey.',
        'Digest username="a"',
        'Basic Og==',
        'Basic !!!',
        'lower-bearer',
        'truncated',
        'extra',
        'alg-none',
        'wrong-kid',
        'twice',
        'huge',
      ),
    },
  );

function authHeader(auth: string): string | undefined {
  const admin = tokens.admin;
  const [h, p, s] = admin.split('.') as [string, string, string];
  const header = (fields: Json) => Buffer.from(JSON.stringify(fields)).toString('base64url');
  switch (auth) {
    case 'none':
      return undefined;
    case 'admin':
    case 'billing':
    case 'audit':
    case 'agency':
      return `Bearer ${tokens[auth]}`;
    case 'lower-bearer':
      return `bearer ${tokens.agency}`;
    case 'truncated':
      return `Bearer ${admin.slice(0, -10)}`;
    case 'extra':
      return `Bearer ${admin}x`;
    case 'alg-none':
      return `Bearer ${header({ alg: 'none', typ: 'JWT' })}.${p}.`;
    case 'wrong-kid':
      return `Bearer ${header({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), kid: 'nope' })}.${p}.${s}`;
    case 'twice':
      return `Bearer ${admin} ${admin}`;
    case 'huge':
      return `Bearer ${'a'.repeat(20_000)}`;
    default:
      return auth;
  }
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'a/b/c',
  '',
];

const jsonNumbers = ['-0', '1e308', '1e309', '-1e309', '9007199254740993', '1e-400', '0.1', '-1', '1.5', '0'];

/** A JSON value (as text) with hostile leaves and, sometimes, the fields the schema expects. */
const jsonTextArb = (fields: string[]) => {
  const leaf = fc.oneof(
    fc.constantFrom(...jsonNumbers, 'null', 'true', '"NaN"', '"Infinity"', '[]', '{}', '""'),
    hostile.map((s) => JSON.stringify(s)),
  );
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 3 }).map((a) => `[${a.join(',')}]`),
      fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...fields, '__proto__', 'constructor', 'x'), hostile),
            tie('value'),
          ),
          {
            maxLength: 4,
          },
        )
        .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  }));
  const almostRight = fc
    .tuple(...(fields.length ? fields : ['x']).map(() => fc.option(value, { nil: undefined })))
    .map((values) => {
      const members = values.flatMap((v, i) =>
        v === undefined ? [] : [`${JSON.stringify(fields[i])}:${v}`],
      );
      return `{${members.join(',')}}`;
    });
  return fc.oneof({ weight: 3, arbitrary: almostRight }, { weight: 2, arbitrary: value });
};

const hostileJsonTexts = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"isAdmin":true},"code":"X","name":"Y"}',
  '{"code":"A","code":"B","name":"x"}',
  '{"entitlements":[{"operation":"citizen:read","purposes":["1.001"],"__proto__":{"polluted":"yes"}}]}',
  '{"a":1',
  '{"a":1}}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '[1,2,]',
  '',
  'null',
  '"just a string"',
  '42',
  '\ufeff{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
];

const bodyArb = (op: Operation) =>
  fc.oneof(
    { weight: 5, arbitrary: jsonTextArb(op.bodyFields) as fc.Arbitrary<string | Uint8Array> },
    { weight: 3, arbitrary: fc.constantFrom<string | Uint8Array>(...hostileJsonTexts) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1_000, max: 12_000 })
        .chain((n) =>
          fc.constantFrom(`${'['.repeat(n)}${']'.repeat(n)}`, `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Uint8Array>(
        new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
        new Uint8Array([0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
        new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      ),
    },
    { weight: 1, arbitrary: fc.constant(`{"name":"${'x'.repeat(70_000)}"}`) },
    { weight: 1, arbitrary: hostile },
  );

const formArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'grant_type',
          'scope',
          'client_id',
          'client_secret',
          'client_assertion_type',
          'client_assertion',
        ),
        hostile,
      ),
      fc.oneof(
        fc.constantFrom(
          'client_credentials',
          'password',
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          ADMIN_ID,
          'admin',
          'citizen:read admin',
          'billing:close',
        ),
        hostile,
      ),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => new URLSearchParams(pairs).toString());

/** private_key_jwt: assertions signed with the registered key but wrong in one way, and valid ones. */
const assertionArb = fc.constantFrom('valid', 'expired', 'wrong-aud', 'no-jti', 'long-life', 'other-sub');

async function assertion(kind: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(jwtClient.clientId)
    .setSubject(kind === 'other-sub' ? ADMIN_ID : jwtClient.clientId)
    .setAudience(kind === 'wrong-aud' ? 'https://elsewhere' : `${gw.deps.config.TOKEN_ISSUER}/oauth/token`)
    .setIssuedAt(now)
    .setExpirationTime(kind === 'expired' ? now - 10 : kind === 'long-life' ? now + 3600 : now + 60);
  if (kind !== 'no-jti') jwt.setJti(crypto.randomUUID());
  return jwt.sign(jwtClient.key);
}

const tokenEndpointArb = fc.record({
  form: fc.oneof(
    { weight: 4, arbitrary: formArb },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'grant_type=%zz',
        'grant_type=client_credentials&grant_type=x',
        '=&&=',
        'a'.repeat(70_000),
      ),
    },
  ),
  assertion: fc.option(
    fc.tuple(assertionArb, fc.constantFrom('citizen:read admin', 'billing:read', 'nope', '')),
    {
      nil: undefined,
    },
  ),
  basic: fc.option(
    fc.oneof(
      fc.constantFrom(
        `Basic ${Buffer.from(`${ADMIN_ID}:wrong`).toString('base64')}`,
        `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0xc0]).toString('base64')}`,
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
        `Basic ${Buffer.from('%E0%A4%A:%zz').toString('base64')}`,
        `Basic ${Buffer.from(`${ADMIN_ID}:${'x'.repeat(5000)}`).toString('base64')}`,
        'Basic',
        'Bearer x',
      ),
      hostile.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    ),
    { nil: undefined },
  ),
  contentType: fc.constantFrom('application/x-www-form-urlencoded', ...contentTypes),
});

const extraHeadersArb = fc.array(
  fc.tuple(
    fc.constantFrom(
      'X-Forwarded-For',
      'Host',
      'Accept',
      'X-Injected',
      'Origin',
      'Cookie',
      'X-Request-Id',
      'Accept-Encoding',
    ),
    hostile,
  ),
  { maxLength: 3 },
);

function requestArb(op: Operation) {
  const isTokenEndpoint = op.path === '/oauth/token';
  return fc.record({
    path: pathArb(op),
    query: fc.option(queryArb(op), { nil: undefined }),
    auth: authArb(op),
    method: fc.oneof(
      { weight: 19, arbitrary: fc.constant(op.method) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') },
    ),
    // A huge header value mostly meets the header limit first; one is enough (extra headers, auth).
    headerParams: fc.tuple(
      ...op.headers.map((h) => fc.option(valueFor(h, hostileSmall), { nil: undefined, freq: 4 })),
    ),
    extra: extraHeadersArb,
    contentType: fc.constantFrom(
      op.body ?? 'application/json',
      op.body ?? 'application/json',
      ...contentTypes,
    ),
    body:
      op.body && !isTokenEndpoint
        ? fc.option(bodyArb(op), { nil: undefined, freq: 8 })
        : fc.constant(undefined),
    token: isTokenEndpoint
      ? fc.option(tokenEndpointArb, { nil: undefined, freq: 8 })
      : fc.constant(undefined),
  });
}

type Generated = ReturnType<typeof requestArb> extends fc.Arbitrary<infer T> ? T : never;

/** Turns generated data into a request (signing a client assertion when asked for one). */
async function build(op: Operation, r: Generated): Promise<FuzzRequest> {
  const headers: [string, string][] = [];
  let body: string | Uint8Array | undefined = r.body;
  let auth = r.auth;
  for (const [i, value] of r.headerParams.entries())
    if (value !== undefined) headers.push([op.headers[i]!, value]);
  headers.push(...r.extra);
  if (r.token) {
    body = r.token.form;
    if (r.token.assertion) {
      const [kind, scope] = r.token.assertion;
      body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(kind),
        ...(scope ? { scope } : {}),
      }).toString();
      auth = 'none';
    } else if (r.token.basic) {
      auth = r.token.basic;
    }
    headers.push(['Content-Type', r.token.contentType]);
  } else if (body !== undefined && r.contentType) {
    headers.push(['Content-Type', r.contentType]);
  }
  const authorization = authHeader(auth);
  if (authorization) headers.push(['Authorization', authorization]);
  const url = `http://localhost${r.path}${r.query === undefined ? '' : `?${r.query}`}`;
  const echo = [url, ...headers.flat(), typeof body === 'string' ? body : ''].join('\n');
  return { op: `${op.method} ${op.path}`, method: r.method, url, auth, headers, body, echo };
}

// ---------------------------------------------------------------------------------------------------------
// The properties

function prototypeNames() {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join(','))
    .join('|');
}

/** Builds the request the fetch API would send; undefined when it refuses one (an invalid header value). */
function toRequest(req: FuzzRequest): Request | undefined {
  const headers = new Headers();
  for (const [name, value] of req.headers) {
    try {
      headers.append(name, value);
    } catch {
      // CR/LF, NUL or a character above U+00FF in a header value: the fetch API refuses it.
      stats.refusedByFetch++;
    }
  }
  const hasBody = req.body !== undefined && !['GET', 'HEAD'].includes(req.method);
  try {
    return new Request(req.url, {
      method: req.method,
      headers,
      ...(hasBody ? { body: req.body as BodyInit } : {}),
    });
  } catch {
    return undefined;
  }
}

/**
 * Store changes a rejected request may make because the README says so:
 * - a lookup of an unknown record is metered on purpose (a non-billable 404: its entry, a month lane and a
 *   rate-window lane, plus an audit record when it was an idempotent replay of such a miss);
 * - a private_key_jwt assertion whose signature checked out has its jti remembered even if the request then
 *   fails (e.g. invalid_scope), so it can never be replayed;
 * - a registry attempt refused to a caller whose token verifies is recorded (shared/audit/refusals.ts): the
 *   credential's refusal counter of that minute, and a refused record of this very request (or the minute's
 *   summary) carrying the status it was answered with; never a lane, an entry or anything in another table.
 * Anything else is a finding. Returns the changes that are not explained.
 */
function unexplained(req: FuzzRequest, response: Response, changes: StoreChange[]): StoreChange[] {
  const meteredMiss =
    response.status === 404 &&
    (req.op === 'GET /v1/citizens/{nationalId}' || req.op === 'GET /v1/businesses/{enterpriseCode}') &&
    response.headers.has('x-quota-remaining');
  const requestId = response.headers.get('x-request-id');
  const refusedAttempt = req.op.includes(' /v1/') && [401, 402, 403, 409, 429].includes(response.status);
  return changes.filter((c) => {
    if (refusedAttempt && c.table === 'ledger') {
      if (c.pk.startsWith('REFUSALS#') && c.sk === 'COUNT') return false;
      const event = c.after?.event as Json | undefined;
      if (
        !c.before &&
        c.pk.startsWith('AUDIT#') &&
        event?.outcome === 'refused' &&
        event?.status === response.status &&
        (event?.id === requestId || event?.action === 'refusals-beyond-limit')
      )
        return false;
    }
    if (meteredMiss && c.table === 'ledger') {
      if (c.pk.startsWith(`RATE#${agencyId}`)) return false;
      const billable = (item: Json | undefined) => Number(item?.billable ?? 0);
      // A month lane counts the miss (it may be the lane's first call) but bills nothing.
      if (c.pk.startsWith(`LANE#${agencyId}#`) && billable(c.before) === billable(c.after)) return false;
      const event = c.after?.event as Json | undefined;
      if (!c.before && event?.id === requestId && event?.status === 404) return false;
    }
    if (
      req.op === 'POST /oauth/token' &&
      c.table === 'control' &&
      !c.before &&
      c.pk.includes(jwtClient.clientId)
    ) {
      return !/JTI|ASSERTION/i.test(`${c.pk} ${c.sk}`);
    }
    return true;
  });
}

async function check(req: FuzzRequest): Promise<void> {
  const request = toRequest(req);
  if (!request) {
    stats.refusedByFetch++;
    return;
  }
  const response = await gw.app.fetch(request);
  const text = await response.text();
  stats.requests++;
  stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
  const route = stats.byRoute.get(req.op) ?? new Map<number, number>();
  route.set(response.status, (route.get(response.status) ?? 0) + 1);
  stats.byRoute.set(req.op, route);
  const where = `-> ${response.status} ${text.slice(0, 400)}\n   for ${req.method} ${req.url.slice(0, 200)} (auth ${req.auth.slice(0, 60)}, headers ${JSON.stringify(req.headers.map(([n, v]) => [n, v.slice(0, 60)]))})`;

  try {
    checkResponse(req, response, text, where);
  } finally {
    // Always taken, so a failed check never leaves a stale snapshot for the next request (or the shrinker).
    const after = await snapshotStore(gw.deps.store, gw.deps.tables);
    const previous = before;
    before = after;
    if (response.status >= 400) {
      const changes = unexplained(req, response, storeChanges(previous, after));
      expect(describeChanges(changes), `a rejected request changed the store: ${where}`).toBe('');
    } else if (MUTATING.has(req.method) && response.status < 300) {
      // An accepted admin change may move a policy version or the signing key: callers get fresh tokens.
      await mintTokens();
    }
  }
  expect(prototypeNames()).toBe(prototypesBefore);
  expect(({} as Json).polluted).toBeUndefined();
  expect(({} as Json).isAdmin).toBeUndefined();
}

/** The answer itself: no 5xx, problem+json refusals, redirects that stay home, no internals in a body. */
function checkResponse(req: FuzzRequest, response: Response, text: string, where: string) {
  expect(response.status, `no 5xx: ${where}`).toBeLessThan(500);
  expect(response.headers.get('x-request-id'), where).toMatch(/^[0-9a-f-]{36}$/);
  const contentType = response.headers.get('content-type') ?? '';
  if (response.status >= 400 && req.method !== 'HEAD') {
    // The token route's own refusals; the shell's (413, 431, ...) are problem+json like everywhere else.
    if (req.op === 'POST /oauth/token' && req.method === 'POST' && [400, 401].includes(response.status)) {
      // RFC 6749 section 5.2: application/json with `error`, and the problem members beside it.
      expect(problemShapeError(response, text, 'application/json'), where).toBe('');
      expect(JSON.parse(text).error, where).toMatch(/^[a-z_]+$/);
    } else {
      expect(problemShapeError(response, text), where).toBe('');
    }
  }
  if (response.status >= 300 && response.status < 400) {
    // A redirect stays on the gateway: never to a host or scheme the request chose.
    const location = response.headers.get('location') ?? '';
    expect(new URL(location, req.url).origin, `redirect stays home: ${where}`).toBe('http://localhost');
  }
  if (response.status >= 400 || contentType.includes('json')) {
    expect(leaksIn(text, gw.deps.tables, req.echo), `no internals: ${where}`).toEqual([]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Ordered pairs of range parameters: from/to and cursor/limit, on every route that takes them

/** The forms a range bound takes, read from its parameter's schema in the OpenAPI document. */
type BoundKind = 'instant' | 'date' | 'month' | 'integer';

/** A range bound as sent, and what it means: its first and last millisecond (or its number), in range or not. */
interface Bound {
  text: string;
  kind: BoundKind | 'malformed';
  start: number;
  end: number;
  /** Before 1970 or after 9999: no route serves it. */
  out: boolean;
}

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const VIETNAM_MS = 7 * 3_600_000;
const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** Epoch ms of a UTC wall time; unlike Date.UTC, years 0-99 are those years, not 1900-1999. */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, ms);
  return date.getTime();
}

function kindsOf(schema: Json | undefined): BoundKind[] {
  const alternatives = ((schema?.anyOf ?? schema?.oneOf) as Json[] | undefined) ?? (schema ? [schema] : []);
  return alternatives.flatMap((s): BoundKind[] => {
    if (s.type === 'integer' || s.type === 'number') return ['integer'];
    if (s.format === 'date-time') return ['instant'];
    if (s.format === 'date') return ['date'];
    if (typeof s.pattern === 'string' && s.pattern.includes('(0[1-9]|1[0-2])')) return ['month'];
    return [];
  });
}

/** An instant written with an offset of (sign, hours, minutes); 1970-9999 in UTC is in range. */
function instant(
  y: number,
  mo: number,
  d: number,
  time: [number, number, number, number],
  offset: number,
): Bound {
  const [h, mi, sec, ms] = time;
  const sign = offset < 0 ? '-' : '+';
  const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(sec)}${ms ? `.${pad(ms, 3)}` : ''}${
    offset === 0 ? 'Z' : `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  }`;
  const at = utc(y, mo, d, h, mi, sec, ms) - offset * 60_000;
  return { text, kind: 'instant', start: at, end: at, out: at < EARLIEST || at > LATEST };
}

/** A calendar day in Asia/Ho_Chi_Minh: from its first to its last millisecond; before 1970 is out of range. */
function day(y: number, mo: number, d: number): Bound {
  const start = utc(y, mo, d) - VIETNAM_MS;
  return {
    text: `${pad(y, 4)}-${pad(mo)}-${pad(d)}`,
    kind: 'date',
    start,
    end: start + 86_400_000 - 1,
    out: y < 1970,
  };
}

function month(y: number, mo: number): Bound {
  const start = utc(y, mo, 1) - VIETNAM_MS;
  const end = utc(y, mo + 1, 1) - VIETNAM_MS - 1;
  return { text: `${pad(y, 4)}-${pad(mo)}`, kind: 'month', start, end, out: y < 1970 };
}

const integer = (n: number): Bound => ({ text: String(n), kind: 'integer', start: n, end: n, out: false });
const malformed = (text: string): Bound => ({ text, kind: 'malformed', start: NaN, end: NaN, out: true });

/** Bounds close together (so both orders meet), at the edges of 1970 and 9999 with odd offsets, and broken ones. */
const boundPool: Bound[] = [
  instant(2026, 11, 15, [12, 0, 0, 0], 7 * 60),
  instant(2026, 11, 15, [12, 0, 0, 1], 7 * 60),
  instant(2026, 11, 15, [5, 0, 0, 0], 0),
  instant(2026, 11, 14, [23, 59, 59, 0], -(23 * 60 + 59)),
  instant(2026, 11, 16, [0, 0, 0, 0], 23 * 60 + 59),
  instant(1970, 1, 1, [0, 0, 0, 0], 0),
  instant(1970, 1, 1, [0, 0, 0, 0], 1),
  instant(1969, 12, 31, [23, 59, 59, 999], 0),
  instant(0, 1, 1, [0, 0, 0, 0], 23 * 60 + 59),
  instant(9999, 12, 31, [23, 59, 59, 999], 0),
  instant(9999, 12, 31, [23, 59, 59, 0], -(23 * 60 + 59)),
  instant(9999, 12, 31, [23, 59, 59, 0], -1),
  day(2026, 11, 15),
  day(2026, 11, 14),
  day(1970, 1, 1),
  day(1969, 12, 31),
  day(9999, 12, 31),
  day(0, 1, 1),
  day(2024, 2, 29),
  month(2026, 11),
  month(2026, 10),
  month(1970, 1),
  month(1969, 12),
  month(9999, 12),
  month(0, 1),
  integer(1),
  integer(2),
  integer(3),
  integer(Number.MAX_SAFE_INTEGER),
  malformed('2026-02-30'),
  malformed('2026-13'),
  malformed('10000-01-01T00:00:00Z'),
  malformed('+010000-01-01T00:00:00.000Z'),
  malformed('-000001-12-31T00:00:00.000Z'),
  malformed('2026-11-15T12:00:00+24:00'),
  malformed('2026-11-15T12:00:00'),
  malformed('0'),
  malformed('-1'),
  malformed('9007199254740992'),
];

/** Instants anywhere from year 0 to 9999, written with any offset up to a day: both edges get crossed. */
const instantArb = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1969, 1970, 9999, 2026)),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    time: fc.tuple(
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 999 }),
    ),
    offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
  })
  .map(({ y, mo, d, time, offset }) => instant(y, mo, d, time, offset));

/**
 * The answer a pair must get: 400 when a bound is not of a form the route takes, is out of range, or `from` starts
 * after `to` ends; otherwise anything but a 5xx (a valid range may still be refused, e.g. as too long).
 */
function expectedFor(kinds: BoundKind[], from: Bound, to: Bound): 400 | 'not 5xx' {
  const fits = (b: Bound) => b.kind !== 'malformed' && kinds.includes(b.kind) && !b.out;
  if (!fits(from) || !fits(to)) return 400;
  return from.start > to.end ? 400 : 'not 5xx';
}

/** A route's parameters that a range query needs besides the range: real values, so the range is what is judged. */
function baseRequest(op: Operation): { path: string; query: URLSearchParams; headers: [string, string][] } {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === 'period' ? periodOf(new Date()).period : name === 'subject' ? demoCitizens[0]!.nationalId : '',
  );
  const query = new URLSearchParams();
  if (op.query.includes('agency')) query.set('agency', agencyId);
  if (op.query.includes('name')) query.set('name', 'công nghệ');
  const headers: [string, string][] = op.headers.includes('X-Purpose') ? [['X-Purpose', '1.001']] : [];
  return { path, query, headers };
}

/** One request through the whole app, held to the answer rules every fuzzed request is held to. */
async function answer(
  op: Operation,
  path: string,
  query: URLSearchParams,
  headers: [string, string][],
): Promise<{ status: number; text: string; where: string }> {
  const caller = homeCaller(op);
  const req: FuzzRequest = {
    op: `${op.method} ${op.path}`,
    method: op.method,
    url: `http://localhost${path}?${query}`,
    auth: caller,
    headers: [...headers, ['Authorization', `Bearer ${tokens[caller]}`]],
    echo: '',
  };
  req.echo = [req.url, decodeURIComponent(query.toString()), ...req.headers.flat()].join('\n');
  const response = await gw.app.fetch(toRequest(req)!);
  const text = await response.text();
  stats.requests++;
  stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
  const where = `-> ${response.status} ${text.slice(0, 300)}\n   for GET ${path}?${decodeURIComponent(query.toString())}`;
  checkResponse(req, response, text, where);
  return { status: response.status, text, where };
}

describe('fuzzing every route', () => {
  const documented = documentedOperations();

  it('covers every operation of the OpenAPI document', () => {
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.map((o) => `${o.method} ${o.path}`)).toContain('POST /oauth/token');
  });

  it('answers every ordered pair of range bounds on every route with from and to: reversed, out of range or malformed is a 400, never a 5xx', async () => {
    const ranged = documented.filter(
      (o) => o.method === 'GET' && o.query.includes('from') && o.query.includes('to'),
    );
    // Audit events and own calls (instants, dates), usage (days, months), audit log consistency (tree sizes).
    expect(ranged.map((o) => o.path).sort()).toEqual([
      '/audit/events',
      '/audit/log/consistency',
      '/billing/usage',
      '/me/calls',
      '/me/usage',
    ]);
    const failures: string[] = [];
    for (const op of ranged) {
      const kinds = [...new Set([...kindsOf(op.querySchemas.from), ...kindsOf(op.querySchemas.to)])];
      expect(kinds.length, `${op.path}: the forms of from/to in the document`).toBeGreaterThan(0);
      const judge = async (from: Bound, to: Bound) => {
        const base = baseRequest(op);
        base.query.set('from', from.text);
        base.query.set('to', to.text);
        const { status, where } = await answer(op, base.path, base.query, base.headers);
        const expected = expectedFor(kinds, from, to);
        if (expected === 400 ? status !== 400 : status >= 500) failures.push(`expected ${expected} ${where}`);
      };
      // Every ordered pair of the route's own forms and the broken ones; a few of each other form.
      const pool = boundPool.filter(
        (b, i) => b.kind === 'malformed' || kinds.includes(b.kind as BoundKind) || i % 4 === 0,
      );
      for (const from of pool) for (const to of pool) await judge(from, to);
      if (kinds.includes('instant')) {
        await fc.assert(
          fc.asyncProperty(instantArb, instantArb, async (from, to) => {
            await judge(from, to);
          }),
          { seed: SEED, numRuns: RUNS * 10 },
        );
      }
    }
    expectNoWrongAnswers(failures);
  }, 240_000);

  it('answers every pair of cursor and limit on every paged route with a page or a 4xx, never a 5xx', async () => {
    const paged = documented.filter(
      (o) => o.method === 'GET' && o.query.includes('cursor') && o.query.includes('limit'),
    );
    expect(paged.map((o) => o.path)).toEqual(
      expect.arrayContaining([
        '/admin/agencies',
        '/audit/events',
        '/billing/statements/{period}/entries',
        '/v1/businesses',
      ]),
    );
    // A real cursor of each route (its first page of one), to pair with other limits and hand to other routes.
    const realCursors = new Map<string, string>();
    for (const op of paged) {
      const base = baseRequest(op);
      base.query.set('limit', '1');
      const { status, text } = await answer(op, base.path, base.query, base.headers);
      const cursor = status === 200 ? (JSON.parse(text) as { cursor?: string }).cursor : undefined;
      if (cursor) realCursors.set(op.path, cursor);
    }
    expect(realCursors.size, 'real cursors to pair').toBeGreaterThanOrEqual(2);
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const failures: string[] = [];
    for (const op of paged) {
      const max = Number((op.querySchemas.limit as Json | undefined)?.maximum);
      expect(max, `${op.path}: the largest page in the document`).toBeGreaterThan(0);
      const own = realCursors.get(op.path);
      const cursors = [
        ...realCursors.values(),
        ...(own
          ? [`${own.slice(0, -2)}${own.endsWith('A') ? 'B' : 'A'}`, own.slice(0, own.length >> 1)]
          : []),
        forged({ after: '\uffff' }),
        forged({ after: '0000' }),
        forged({ after: '+010000-01-01T00:00:00.000Z#x' }),
        forged({ before: '9999-12-31T23:59:59.999Z#x' }),
        forged({ after: 'x', extra: 1 }),
        forged([]),
        'x',
        '%%%',
        'A'.repeat(2049),
      ];
      const limits = [
        '1',
        '2',
        String(max),
        String(max + 1),
        '0',
        '-1',
        '2.5',
        '1e2',
        'NaN',
        '9007199254740993',
      ];
      for (const [i, cursor] of cursors.entries()) {
        for (const limit of limits) {
          const base = baseRequest(op);
          // Both orders in the query string: the parameters are read by name, never by position.
          if (i % 2) base.query.set('limit', limit);
          base.query.set('cursor', cursor);
          if (!(i % 2)) base.query.set('limit', limit);
          const { status, where } = await answer(op, base.path, base.query, base.headers);
          // The limit is a number as JavaScript reads one (1e2 is 100), a whole one within 1..max.
          const n = Number(limit);
          const badLimit = !Number.isInteger(n) || n < 1 || n > max;
          // The route's own cursor goes on at any page size; any other is a page or a 4xx.
          const expected = badLimit ? 400 : cursor === own ? 200 : 'not 5xx';
          if (expected === 'not 5xx' ? status >= 500 : status !== expected) {
            failures.push(`expected ${expected} ${where}`);
          }
        }
      }
    }
    expectNoWrongAnswers(failures);
  }, 240_000);

  // Registered lazily: the app (and so its undocumented routes) exists only after beforeAll.
  const operations = () => [...documented, ...undocumentedGetRoutes(documented)];

  it(
    'answers hostile requests to every route without a 5xx, a leak, a store change or prototype pollution',
    async () => {
      const ops = operations();
      const failures: string[] = [];
      for (const op of ops) {
        let first: unknown;
        const result = await fc.check(
          fc.asyncProperty(requestArb(op), async (generated) => {
            try {
              await check(await build(op, generated));
            } catch (error) {
              first ??= error;
              throw error;
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: false },
        );
        if (result.failed) {
          failures.push(
            `${op.method} ${op.path}: seed ${SEED}, path ${result.counterexamplePath} (rerun with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})\nfirst: ${String(first).slice(0, 2000)}\nshrunk: ${String(result.errorInstance).slice(0, 2000)}`,
          );
        }
      }
      const byRoute = [...stats.byRoute].map(
        ([route, statuses]) =>
          `${route} ${[...statuses]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}:${n}`)
            .join(' ')}`,
      );
      console.info(`fuzz: ${ops.length} routes\n${byRoute.join('\n')}`);
      expect(failures.join('\n\n')).toBe('');
    },
    Math.max(120_000, RUNS * 8_000),
  );
});

/** Fails with the count of wrong answers and the first twenty of them. */
function expectNoWrongAnswers(failures: string[]): void {
  expect(
    failures.length
      ? `${failures.length} answered wrongly, the first:\n${failures.slice(0, 20).join('\n\n')}`
      : '',
  ).toBe('');
}
