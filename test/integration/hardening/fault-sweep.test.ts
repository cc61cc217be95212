import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { createTestGateway, type TestGateway } from '../../support/gateway';
import { leaksIn, problemShapeError } from '../../support/hardening/response';

/**
 * Fault injection on every DynamoDB call the gateway makes. Each user scenario runs once against DynamoDB
 * Local while the commands it sends are recorded; then, for each position i in that sequence and each
 * fault that fits the command, the scenario runs again on fresh state with that fault at call i only (every
 * other call reaches the real store), and the answer, the ledger and a clean retry are checked.
 */

type Send = DynamoDBDocumentClient['send'];
type Command = Parameters<Send>[0] & { input: Record<string, unknown> };

interface Fault {
  name: string;
  /** Which commands it can happen to (by class name). */
  fits: (command: string) => boolean;
  /** Either an error to throw instead of calling the store, or a doctored result. */
  inject: (command: Command, real: () => Promise<unknown>) => Promise<unknown>;
}

const any = () => true;
const fail = (error: () => Error) => async () => {
  throw error();
};
const meta = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'fault',
  attempts: 3,
  totalRetryDelay: 0,
});

const FAULTS: Fault[] = [
  {
    name: 'throttled (ProvisionedThroughputExceeded)',
    fits: any,
    inject: fail(
      () => new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: meta(400) }),
    ),
  },
  {
    name: 'throttled (ThrottlingException)',
    fits: any,
    inject: fail(() => new ThrottlingException({ message: 'throttled', $metadata: meta(400) })),
  },
  {
    name: 'timed out',
    fits: any,
    inject: fail(() => Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} })),
  },
  {
    name: 'aborted',
    fits: any,
    inject: fail(() => Object.assign(new Error('Request aborted'), { name: 'AbortError', $metadata: {} })),
  },
  {
    name: 'a 500 from the store',
    fits: any,
    inject: fail(() => new InternalServerError({ message: 'Internal server error', $metadata: meta(500) })),
  },
  {
    // The write lands but its answer is lost: the realistic way a timeout hides a committed transaction.
    name: 'timed out after the write landed',
    fits: (c) => /Transact|Put|Update|Delete|BatchWrite/.test(c),
    inject: async (_command, real) => {
      await real();
      throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
    },
  },
  {
    name: 'a cancelled transaction (conflict)',
    fits: (c) => c.startsWith('Transact'),
    inject: async (command) => {
      const items = (command.input.TransactItems as unknown[] | undefined) ?? [];
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: meta(400),
        CancellationReasons: items.map(() => ({ Code: 'TransactionConflict' })),
      });
    },
  },
  {
    name: 'a cancelled transaction (throttled item)',
    fits: (c) => c.startsWith('Transact'),
    inject: async (command) => {
      const items = (command.input.TransactItems as unknown[] | undefined) ?? [];
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: meta(400),
        CancellationReasons: items.map((_, i) => ({
          Code: i === items.length - 1 ? 'ThrottlingError' : 'None',
        })),
      });
    },
  },
  {
    name: 'a partial batch (every key unprocessed)',
    fits: (c) => c === 'BatchGetCommand',
    inject: async (command) => ({
      Responses: {},
      UnprocessedKeys: command.input.RequestItems,
      $metadata: {},
    }),
  },
  {
    name: 'a partial batch (the last table unprocessed)',
    fits: (c) => c === 'BatchGetCommand',
    inject: async (command, real) => {
      const requested = command.input.RequestItems as Record<string, unknown>;
      const last = Object.keys(requested).pop()!;
      const result = (await real()) as { Responses?: Record<string, unknown> };
      const { [last]: _dropped, ...kept } = result.Responses ?? {};
      return { ...result, Responses: kept, UnprocessedKeys: { [last]: requested[last] } };
    },
  },
];

let gw: TestGateway;
let finance: string;
let auditor: string;
let admin: string;
/** An agency with a served call in the current month, for the read scenarios (reads change nothing). */
let reader: Fresh;

// Fault plumbing: every store call of the gateway goes through this one stub.
let calls: string[] = [];
let faultAt: number | undefined;
let fault: Fault | undefined;
let injected = false;
/** Set by one test: every later call of the same command fails too (a store that stays down). */
let thenKeepFailing = false;

interface Fresh {
  agencyId: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

interface Outcome {
  response: Response;
  text: string;
}

interface Scenario {
  name: string;
  /** Registry calls: metered, so the ledger is checked and a clean retry must count once. */
  metered?: { operation: string; data: string[] };
  /** True when the scenario needs a fresh agency of its own (it writes). */
  fresh: boolean;
  /** Runs before recording starts (not faulted). */
  arrange?: (agency: Fresh) => Promise<void>;
  act: (agency: Fresh, key: string) => Response | Promise<Response>;
}

const citizen = demoCitizens[0]!;
const business = demoBusinesses[0]!;
const registry = (agency: Fresh, key: string, method: string, path: string, body?: unknown) =>
  gw.call(agency.token, method, path, body, { 'X-Purpose': '1.001', 'Idempotency-Key': key });
const period = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 7);

const SCENARIOS: Scenario[] = [
  {
    name: 'token issuance',
    fresh: false,
    act: (agency) =>
      gw.app.request('/oauth/token', {
        method: 'POST',
        headers: {
          Authorization: gw.basic(agency.clientId, agency.clientSecret),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      }),
  },
  {
    name: 'citizen lookup',
    fresh: true,
    metered: { operation: 'citizen:read', data: [citizen.fullName, citizen.dateOfBirth] },
    act: (agency, key) => registry(agency, key, 'GET', `/v1/citizens/${citizen.nationalId}`),
  },
  {
    name: 'citizen verify',
    fresh: true,
    metered: { operation: 'citizen:verify', data: ['"match"'] },
    act: (agency, key) =>
      registry(agency, key, 'POST', '/v1/citizens/verify', {
        nationalId: citizen.nationalId,
        fullName: citizen.fullName,
      }),
  },
  {
    name: 'business lookup',
    fresh: true,
    metered: { operation: 'business:read', data: [business.name] },
    act: (agency, key) => registry(agency, key, 'GET', `/v1/businesses/${business.enterpriseCode}`),
  },
  {
    name: 'business search',
    fresh: true,
    metered: { operation: 'business:search', data: [business.name] },
    act: (agency, key) => registry(agency, key, 'GET', '/v1/businesses?name=song%20han'),
  },
  {
    name: 'idempotent retry',
    fresh: true,
    metered: { operation: 'citizen:read', data: [citizen.fullName] },
    arrange: async (agency) => {
      const first = await registry(agency, 'replayed-key', 'GET', `/v1/citizens/${citizen.nationalId}`);
      expect(first.status).toBe(200);
    },
    act: (agency) => registry(agency, 'replayed-key', 'GET', `/v1/citizens/${citizen.nationalId}`),
  },
  {
    name: 'admin change',
    fresh: true,
    act: (agency) =>
      gw.call(admin, 'PATCH', `/admin/agencies/${agency.agencyId}`, { name: 'Tên mới của cơ quan' }),
  },
  {
    name: 'plan change',
    fresh: true,
    act: (agency) =>
      gw.call(admin, 'POST', '/admin/plans', {
        code: `P-${agency.agencyId.slice(-12).toUpperCase()}`,
        name: 'Gói thử lỗi',
        rateLimit: { perSecond: 10, burst: 20 },
        monthlyQuota: 1000,
        includedCalls: 10,
        monthlyFeeVnd: 100_000,
        unitPricesVnd: { 'citizen:read': 500 },
      }),
  },
  {
    name: 'billing statement',
    fresh: false,
    act: (agency) => gw.call(finance, 'GET', `/billing/statements/${period()}?agency=${agency.agencyId}`),
  },
  {
    name: 'usage read',
    fresh: false,
    act: (agency) =>
      gw.call(finance, 'GET', `/billing/usage?agency=${agency.agencyId}&from=${period()}&to=${period()}`),
  },
  {
    name: 'audit query',
    fresh: false,
    act: (agency) => gw.call(auditor, 'GET', `/audit/events?agency=${agency.agencyId}`),
  },
];

let agencies = 0;
let agencyKey: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

/**
 * A new agency entitled to the four operations, with a private_key_jwt credential and a token: fresh state
 * for one run, without the two scrypt rounds a secret would cost.
 */
async function freshAgency(): Promise<Fresh> {
  const ops = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const;
  const created = await gw.call(admin, 'POST', '/admin/agencies', {
    code: `FAULT-${++agencies}`,
    name: 'Fault',
  });
  const { id: agencyId } = (await created.json()) as { id: string };
  await gw.call(admin, 'PUT', `/admin/agencies/${agencyId}/entitlements`, {
    entitlements: ops.map((operation) => ({ operation, purposes: ['1.001'] })),
  });
  const issued = await gw.call(admin, 'POST', `/admin/agencies/${agencyId}/credentials`, {
    scopes: [...ops],
    publicJwk: agencyKey.publicJwk,
  });
  const { clientId } = (await issued.json()) as { clientId: string };
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${gw.deps.config.TOKEN_ISSUER}/oauth/token`)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(crypto.randomUUID())
    .sign(agencyKey.privateKey);
  const response = await gw.app.request('/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  });
  const { access_token } = (await response.json()) as { access_token: string };
  return { agencyId, clientId, clientSecret: '', token: access_token };
}

/** The agency of the read scenarios, with a secret credential (token issuance uses HTTP Basic). */
async function secretAgency(): Promise<Fresh> {
  const ops = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const;
  const a = await gw.agencyWithCredential({
    code: 'FAULT-READER',
    entitlements: ops.map((operation) => ({ operation, purposes: ['1.001'] })),
    scopes: [...ops],
  });
  return { ...a, token: await gw.token(a.clientId, a.clientSecret) };
}

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  const store = gw.deps.store;
  const real = store.send.bind(store) as (command: Command) => Promise<unknown>;
  const mock = mockClient(store);
  mock.send.callsFake(((command: Command) => {
    const name = command.constructor.name;
    const position = calls.length;
    calls.push(name);
    if (fault && position === faultAt) {
      injected = true;
      return fault.inject(command, () => real(command));
    }
    if (fault && thenKeepFailing && faultAt !== undefined && position > faultAt && name === calls[faultAt]) {
      return Promise.reject(
        Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} }),
      );
    }
    return real(command);
  }) as never);
  admin = await gw.adminToken();
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  agencyKey = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256' } };
  const operator = async (scopes: string[]) => {
    const issued = await gw.call(admin, 'POST', '/admin/agencies/ag_platform/credentials', { scopes });
    const { clientId, clientSecret } = (await issued.json()) as { clientId: string; clientSecret: string };
    return gw.token(clientId, clientSecret);
  };
  finance = await operator(['billing:read']);
  auditor = await operator(['audit:read']);
  reader = await secretAgency();
  expect((await registry(reader, 'reader-1', 'GET', `/v1/citizens/${citizen.nationalId}`)).status).toBe(200);
}, 60_000);

afterAll(() => {
  console.info(`fault sweep: ${runs} faulted runs over ${SCENARIOS.length} scenarios`);
});

let runs = 0;

/** Runs a scenario's act with the fault (if any) at call `at`; returns the answer and the calls it made. */
async function run(scenario: Scenario, agency: Fresh, key: string, at?: number, withFault?: Fault) {
  calls = [];
  injected = false;
  faultAt = at;
  fault = withFault;
  try {
    const response = await scenario.act(agency, key);
    return { response, text: await response.text(), sequence: [...calls] } as Outcome & {
      sequence: string[];
    };
  } finally {
    fault = undefined;
    faultAt = undefined;
  }
}

/** The agency's ledger entries (one per counted call) and its period counter. */
async function ledgerOf(agencyId: string) {
  const { Items = [] } = await gw.deps.store.send(
    new ScanCommand({
      TableName: gw.deps.tables.ledger,
      ConsistentRead: true,
      FilterExpression: 'begins_with(pk, :entry) OR begins_with(pk, :counter)',
      ExpressionAttributeValues: { ':entry': `ENTRY#${agencyId}#`, ':counter': `COUNTER#${agencyId}` },
    }),
  );
  const entries = Items.filter((i) => String(i.pk).startsWith('ENTRY#'));
  const counter = Items.find((i) => String(i.pk).startsWith('COUNTER#'));
  return {
    entries: entries.map((e) => e.event as { id: string; status: number; ledger: { billable: boolean } }),
    calls: Number(counter?.calls ?? 0),
    billable: Number(counter?.billable ?? 0),
  };
}

describe('fault sweep over every store call', () => {
  const baselines = new Map<string, { status: number; sequence: string[] }>();

  it('records the store calls of every scenario against the real store', async () => {
    for (const scenario of SCENARIOS) {
      const agency = scenario.fresh ? await freshAgency() : reader;
      await scenario.arrange?.(agency);
      const { response, text, sequence } = await run(scenario, agency, `baseline-${scenario.name}`);
      expect(response.status, `${scenario.name}: ${text}`).toBeLessThan(300);
      expect(sequence.length, scenario.name).toBeGreaterThan(0);
      baselines.set(scenario.name, { status: response.status, sequence });
    }
    console.info([...baselines].map(([name, b]) => `${name}: ${b.sequence.join(' ')}`).join('\n'));
  }, 60_000);

  for (const scenario of SCENARIOS) {
    it(`fails closed, without a leak or a lost or double count, when any store call of ${scenario.name} fails`, async () => {
      const baseline = baselines.get(scenario.name);
      expect(baseline, 'the recording test ran first').toBeDefined();
      const findings: string[] = [];
      for (const [at, command] of baseline!.sequence.entries()) {
        for (const f of FAULTS.filter((x) => x.fits(command))) {
          const label = `${scenario.name}, call ${at} (${command}) ${f.name}`;
          const agency = scenario.fresh ? await freshAgency() : reader;
          await scenario.arrange?.(agency);
          const key = `k-${runs}`;
          const { response, text, sequence } = await run(scenario, agency, key, at, f);
          runs++;
          if (!injected) {
            findings.push(`${label}: the call never happened (sequence now ${sequence.join(' ')})`);
            continue;
          }
          findings.push(...checkAnswer(label, scenario, baseline!.status, response, text));
          if (scenario.metered) findings.push(...(await checkLedger(label, scenario, agency, key, response)));
          else if (response.status === 503) {
            // A clean retry of a refused admin change, token request or read succeeds.
            const retry = await run(scenario, agency, key);
            if (retry.response.status !== baseline!.status) {
              findings.push(
                `${label}: the clean retry answered ${retry.response.status} ${retry.text.slice(0, 200)}`,
              );
            }
          }
        }
      }
      expect(findings.join('\n')).toBe('');
    }, 60_000);
  }

  it('keeps a refused call counted only when its write landed and every retry lost its answer too; the same Idempotency-Key then serves it without a second count', async () => {
    // The one documented exception to "nothing billed unless served" (README, Metering): the store took the
    // write, then stayed unreachable for the ledger's retries, so the gateway cannot know and answers 503.
    const lookup = SCENARIOS.find((s) => s.name === 'citizen lookup')!;
    const lostAnswer = FAULTS.find((f) => f.name === 'timed out after the write landed')!;
    const agency = await freshAgency();
    const at = baselines.get(lookup.name)!.sequence.indexOf('TransactWriteCommand');
    thenKeepFailing = true;
    const refused = await run(lookup, agency, 'lost-key', at, lostAnswer).finally(() => {
      thenKeepFailing = false;
    });
    expect(refused.response.status).toBe(503);
    expect(checkAnswer('stays down', lookup, 200, refused.response, refused.text)).toEqual([]);
    expect(refused.sequence.filter((c) => c === 'TransactWriteCommand')).toHaveLength(3);
    expect(await ledgerOf(agency.agencyId)).toMatchObject({ calls: 1, billable: 1 });

    const retry = await run(lookup, agency, 'lost-key');
    expect(retry.response.status).toBe(200);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toContain(citizen.fullName);
    const after = await ledgerOf(agency.agencyId);
    expect(after).toMatchObject({ calls: 1, billable: 1 });
    expect(after.entries).toHaveLength(1);
  });
});

/** The answer to a faulted call: the normal answer (the gateway recovered), or 503/429 problem+json, no data. */
function checkAnswer(
  label: string,
  scenario: Scenario,
  normal: number,
  response: Response,
  text: string,
): string[] {
  const problems: string[] = [];
  const status = response.status;
  const said = `${label}: ${status} ${text.slice(0, 300)}`;
  if (leaksIn(text, gw.deps.tables).length) problems.push(`${said}: leaks ${leaksIn(text, gw.deps.tables)}`);
  if (status === normal) return problems;
  if (status !== 503 && status !== 429)
    return [...problems, `${said}: neither the normal answer nor 503/429`];
  const shape = problemShapeError(response, text);
  if (shape) problems.push(`${said}: ${shape}`);
  if (!/^\d+$/.test(response.headers.get('retry-after') ?? '')) problems.push(`${said}: no Retry-After`);
  const data = [
    ...(scenario.metered?.data ?? []),
    'access_token',
    '"data"',
    '"lines"',
    '"events"',
    '"usage"',
  ];
  const leaked = data.filter((d) => text.includes(d));
  if (leaked.length) problems.push(`${said}: data in a refusal: ${leaked.join(', ')}`);
  return problems;
}

/**
 * The ledger after a faulted registry call: served data has exactly one entry for its request id; a refusal
 * leaves no counted entry. Then a clean retry with the same Idempotency-Key serves once and counts one.
 */
async function checkLedger(
  label: string,
  scenario: Scenario,
  agency: Fresh,
  key: string,
  response: Response,
) {
  const problems: string[] = [];
  const replay = scenario.name === 'idempotent retry';
  // The replay scenario's first call is counted before the fault: it must stay the only one.
  const counted = replay ? 1 : 0;
  const requestId = response.headers.get('x-request-id');
  const after = await ledgerOf(agency.agencyId);
  if (response.status === 200) {
    const own = after.entries.filter((e) => e.id === requestId);
    if (!replay && own.length !== 1)
      problems.push(`${label}: served with ${own.length} ledger entries for its request id`);
    if (after.calls !== counted + (replay ? 0 : 1)) problems.push(`${label}: served, counted ${after.calls}`);
  } else if (after.entries.length !== counted || after.calls !== counted || after.billable !== counted) {
    problems.push(
      `${label}: answered ${response.status} but the ledger has ${after.entries.length} entries, ${after.calls} calls, ${after.billable} billable (expected ${counted})`,
    );
  }
  const retry = await run(scenario, agency, key);
  const final = await ledgerOf(agency.agencyId);
  const data = scenario.metered!.data;
  if (retry.response.status !== 200 || !data.every((d) => retry.text.includes(d))) {
    problems.push(`${label}: the clean retry answered ${retry.response.status} ${retry.text.slice(0, 200)}`);
  }
  if (final.calls !== 1 || final.billable !== 1 || final.entries.length !== 1) {
    problems.push(
      `${label}: after the retry the ledger has ${final.entries.length} entries, ${final.calls} calls, ${final.billable} billable (expected 1)`,
    );
  }
  return problems;
}
