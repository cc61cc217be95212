import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAgencyRoute } from '../../../functions/admin/routes';
import { statementRoute } from '../../../functions/billing/routes';
import { tokenRoute } from '../../../functions/token/oauth';
import type { KeyStore, StoredKey } from '../../../shared/auth/keys';
import {
  type SignedStatement,
  signedStatementFile,
  verifyStatementFile,
} from '../../../shared/billing/signed';
import type { Statement } from '../../../shared/billing/statement';
import type { Credential } from '../../../shared/identity/model';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { publishedKeysKey } from '../../../shared/storage/keys/control';
import { auditIndexKeys, billingKeys, ledgerKeys } from '../../../shared/storage/keys/ledger';
import { queryAll } from '../../../shared/storage/paginate';
import { answerTo, issuedCredentialOf } from '../../support/answers';
import { assertionForm, clientAssertion } from '../../support/assertion';
import { createTestGateway, type TestGateway } from '../../support/gateway';
import { leaksIn, problemShapeError } from '../../support/hardening/response';

/**
 * Fault injection on every DynamoDB call the gateway makes. Each user scenario runs once against DynamoDB
 * Local while the commands it sends are recorded; then, for each position i in that sequence and each
 * fault that fits the command, the scenario runs again on fresh state with that fault at call i only (every
 * other call reaches the real store), and the answer, the ledger and a clean retry are checked.
 *
 * A brokered call's transaction names its entry and two lanes (shared/ledger/lanes.ts). A cancellation that
 * names a lane (held by another transaction, or filled since the call read it) is not a failure: the call
 * must move to another lane and be served. DynamoDB Local never cancels one, so two scenarios have their
 * first lane transactions cancelled as the service would under contention, which puts the retries on other
 * lanes and the lane reads that follow repeated cancellations into the recorded sequence, each faulted in
 * turn.
 *
 * Write paths also check the stored state after the faulted run: a closed period has a complete signed
 * statement or none, and a retried close returns the same one; a refund is recorded at most once and the
 * statement agrees; an admin change lands with its audit record or not at all; a signing key is never saved
 * (nor signs) unless its public half is published. The period close and the signing-key rotation run on a
 * second gateway with few agencies (a close walks every agency; a rotation retires the tokens of the first).
 */

type Send = DynamoDBDocumentClient['send'];
type Command = Parameters<Send>[0] & { input: Record<string, unknown> };

interface Fault {
  name: string;
  /** Which commands it can happen to (by class name, and whether it is a transaction naming lanes). */
  fits: (command: string, namesLanes: boolean) => boolean;
  /** Either an error to throw instead of calling the store, or a doctored result. */
  inject: (command: Command, real: () => Promise<unknown>) => Promise<unknown>;
  /**
   * A cancellation a brokered call must get past: when it hits a lane transaction, the call is retried on
   * other lanes (never again on a lane the cancellation named) and served, not answered 503.
   */
  recovers?: boolean;
}

const any = () => true;
const transaction = (c: string) => c.startsWith('Transact');
type TransactItem = { Update?: { Key?: Record<string, unknown> } } & Record<string, unknown>;
const itemsOf = (command: Command) => (command.input.TransactItems as TransactItem[] | undefined) ?? [];
/** The lane item an item of a brokered call's transaction bumps, if it is one. */
const laneOf = (item: TransactItem) => {
  const pk = item.Update?.Key?.pk;
  return typeof pk === 'string' && (pk.startsWith('LANE#') || pk.startsWith('RATE#')) ? pk : undefined;
};
/** A transaction cancelled with one reason per item, in request order, as the service reports it. */
const cancelled = (command: Command, code: (item: TransactItem, i: number, all: TransactItem[]) => string) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: meta(400),
    CancellationReasons: itemsOf(command).map((item, i, all) => ({ Code: code(item, i, all) })),
  });
/** Another transaction in flight holds the call's lanes (the entry itself is free). */
const lanesHeld = (command: Command) =>
  cancelled(command, (item) => (laneOf(item) ? 'TransactionConflict' : 'None'));
/**
 * Concurrent calls filled the call's last lane (its month lane; a replay's window lane) since it read it. (A
 * verification's transaction names its guard after the lanes.)
 */
const laneFilled = (command: Command) =>
  cancelled(command, (item, i, all) =>
    laneOf(item) && i === all.findLastIndex((other) => laneOf(other)) ? 'ConditionalCheckFailed' : 'None',
  );
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
    fits: transaction,
    recovers: true,
    inject: async (command) => {
      throw cancelled(command, () => 'TransactionConflict');
    },
  },
  {
    name: 'a cancelled transaction (throttled item)',
    fits: transaction,
    recovers: true,
    inject: async (command) => {
      throw cancelled(command, (_item, i, all) => (i === all.length - 1 ? 'ThrottlingError' : 'None'));
    },
  },
  {
    name: 'a cancelled transaction (its lanes held by another)',
    fits: (c, namesLanes) => transaction(c) && namesLanes,
    recovers: true,
    inject: async (command) => {
      throw lanesHeld(command);
    },
  },
  {
    name: 'a cancelled transaction (its lane filled meanwhile)',
    fits: (c, namesLanes) => transaction(c) && namesLanes,
    recovers: true,
    inject: async (command) => {
      throw laneFilled(command);
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
/** A second gateway, tables of its own: few agencies (a close reads each), and signing keys to rotate. */
let side: TestGateway;
let sideAdminClient: string;
let sideFinanceClient: string;
let sideAdmin: string;
let sideFinance: string;
/** The agency whose usage each close closes, on the side gateway. */
let sideAgency: Fresh;
/** The month the close scenario closes: a new, earlier one each run, so no run finds another's close. */
let closing = '';
let closes = 0;
/** The saved signing keys before a rotation run. */
let keysBefore: StoredKey[] = [];
let finance: string;
let auditor: string;
let admin: string;
/** An agency with a served call in the current month, for the read scenarios (reads change nothing). */
let reader: Fresh;

// Fault plumbing: every store call of the gateway goes through this one stub.
let calls: string[] = [];
/** The lane items each recorded call names (empty unless it is a brokered call's transaction). */
let lanes: string[][] = [];
let faultAt: number | undefined;
let fault: Fault | undefined;
let injected = false;
/** The lanes the injected fault's cancellation named (a reason other than None): a retry avoids them. */
let cancelledLanes: string[] = [];
/** The cancellations still to come on a scenario's first lane transactions (see Scenario.contended). */
let contention: ((command: Command) => Error)[] = [];
/** Set by one test: every later call of the same command fails too (a store that stays down). */
let thenKeepFailing = false;

interface Fresh {
  agencyId: string;
  clientId: string;
  clientSecret: string;
  token: string;
  /** What the arrange step made for the act: the request id to refund, the credential to rotate. */
  ref?: string;
  /** Reversals recorded after the faulted run (the reversal scenario's retry expects 409 once one is). */
  refunded?: number;
}

interface Outcome {
  response: Response;
  text: string;
}

interface Scenario {
  name: string;
  /** Registry calls: metered, so the ledger is checked and a clean retry must count once. */
  metered?: { operation: string; data: string[] };
  /** A registry call the gateway refuses (402 budget, 429 quota): the ledger keeps `counted` calls, no more. */
  refused?: { status: 402 | 429; counted: number; data: string[] };
  /** True when the scenario needs a fresh agency of its own (it writes). */
  fresh: boolean;
  /** Runs on the side gateway. */
  side?: boolean;
  /** What is wrong with the stored state after a faulted run (empty when consistent). */
  consistent?: (agency: Fresh, outcome: Outcome) => Promise<string[]>;
  /** Checks a clean retry (always made when set); by default a retry is made after a 503/429 only. */
  retried?: (agency: Fresh, first: Outcome, retry: Outcome) => Promise<string[]>;
  /** Runs before recording starts (not faulted). */
  arrange?: (agency: Fresh) => Promise<void>;
  /**
   * How its first lane transactions are cancelled in its recorded and faulted runs (a clean retry meets none),
   * as the service cancels them when other calls of the agency hold or fill the same lanes.
   */
  contended?: ((command: Command) => Error)[];
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
    // Two cancellations by concurrent calls on lanes with their last unit of burst left: a retry on other
    // lanes, then a read of the window lanes (the calls holding them may have filled them).
    name: 'citizen lookup through lane conflicts',
    fresh: true,
    metered: { operation: 'citizen:read', data: [citizen.fullName, citizen.dateOfBirth] },
    contended: [lanesHeld, lanesHeld],
    arrange: async (agency) => {
      const planned = await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/plan`, {
        planCode: LAST_UNIT_PLAN,
      });
      expect(planned.status).toBe(200);
      agency.token = await mint(gw, agency.clientId);
    },
    act: (agency, key) => registry(agency, key, 'GET', `/v1/citizens/${citizen.nationalId}`),
  },
  {
    // Both month lanes it read were filled by concurrent calls before its write: it reads the others.
    name: 'citizen lookup past filled lanes',
    fresh: true,
    metered: { operation: 'citizen:read', data: [citizen.fullName, citizen.dateOfBirth] },
    contended: [laneFilled, laneFilled],
    act: (agency, key) => registry(agency, key, 'GET', `/v1/citizens/${citizen.nationalId}`),
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
  {
    name: 'period close',
    fresh: false,
    side: true,
    arrange: async () => {
      closing = closedPeriod(closes++);
      await side.meter(sideAgency, `${closing}-15T05:00:00Z`);
      sideFinance = await mint(side, sideFinanceClient);
    },
    act: () => side.call(sideFinance, 'POST', `/billing/periods/${closing}/close`),
    consistent: (_agency, outcome) => closeState(outcome),
    retried: async (_agency, first, retry) => closeRetried(first, retry),
  },
  {
    name: 'reversal',
    fresh: true,
    arrange: async (agency) => {
      agency.ref = await gw.meter(agency, new Date().toISOString());
    },
    act: (agency) =>
      gw.call(finance, 'POST', '/billing/reversals', {
        agencyId: agency.agencyId,
        period: period(),
        requestId: agency.ref,
        reason: 'Dữ liệu sai do lỗi đồng bộ',
      }),
    consistent: async (agency, outcome) => {
      const state = await reversalState(agency, [outcome]);
      if (outcome.response.status === 201 && state.recorded !== 1) {
        state.problems.push(`answered 201 but ${state.recorded} reversals are recorded`);
      }
      agency.refunded = state.recorded;
      return state.problems;
    },
    retried: async (agency, first, retry) => {
      // A refund that landed is not made twice: the retry is told so (409), else it refunds now (201).
      const expected = agency.refunded === 1 ? 409 : 201;
      const state = await reversalState(agency, [first, retry]);
      const problems = state.problems;
      if (retry.response.status !== expected)
        problems.push(`the clean retry answered ${retry.response.status}, expected ${expected}`);
      if (state.recorded !== 1) problems.push(`after the retry ${state.recorded} reversals are recorded`);
      return problems;
    },
  },
  {
    name: 'budget cap',
    fresh: true,
    act: (agency) =>
      gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/budget`, {
        capVnd: 5_000_000,
        enforce: true,
      }),
    consistent: (agency, outcome) =>
      adminState(gw, outcome, 'agency.budget', async () => {
        return (await gw.deps.control.getAgency(agency.agencyId))?.budget !== undefined;
      }),
  },
  {
    name: 'budget refusal',
    fresh: true,
    refused: { status: 402, counted: 0, data: [citizen.fullName, citizen.dateOfBirth] },
    arrange: async (agency) => {
      const capped = await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/budget`, {
        capVnd: 0,
        enforce: true,
      });
      expect(capped.status).toBe(200);
      agency.token = await mint(gw, agency.clientId);
    },
    act: (agency, key) => registry(agency, key, 'GET', `/v1/citizens/${citizen.nationalId}`),
  },
  {
    name: 'quota refusal',
    fresh: true,
    refused: { status: 429, counted: 1, data: [citizen.fullName, citizen.dateOfBirth] },
    arrange: async (agency) => {
      const planned = await gw.call(admin, 'PUT', `/admin/agencies/${agency.agencyId}/plan`, {
        planCode: QUOTA_PLAN,
      });
      expect(planned.status).toBe(200);
      agency.token = await mint(gw, agency.clientId);
      // The quota's one call, made under the plan: it fills the plan's only usable lane.
      const first = await registry(
        agency,
        `first-${agency.agencyId}`,
        'GET',
        `/v1/citizens/${citizen.nationalId}`,
      );
      expect(first.status).toBe(200);
    },
    act: (agency, key) => registry(agency, key, 'GET', `/v1/citizens/${citizen.nationalId}`),
  },
  {
    name: 'credential issue',
    fresh: true,
    act: (agency) =>
      gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
        scopes: ['citizen:read'],
        publicJwk: agencyKey.publicJwk,
      }),
    consistent: (agency, outcome) =>
      adminState(gw, outcome, 'credential.issue', async () => {
        return (await gw.deps.control.listCredentials(agency.agencyId)).length > 1;
      }),
  },
  {
    name: 'secret rotation',
    fresh: true,
    arrange: async (agency) => {
      const issued = await gw.call(admin, 'POST', `/admin/agencies/${agency.agencyId}/credentials`, {
        scopes: ['citizen:read'],
      });
      agency.ref = (await issuedCredentialOf(issued)).clientId;
    },
    act: (agency) =>
      gw.call(admin, 'POST', `/admin/credentials/${agency.ref}/rotate`, { overlapSeconds: 60 }),
    consistent: (agency, outcome) =>
      adminState(gw, outcome, 'credential.rotate', async () => {
        return ((await gw.deps.control.getCredential(agency.ref!)) as Credential).secrets.length === 2;
      }),
  },
  {
    name: 'credential revocation',
    fresh: true,
    act: (agency) => gw.call(admin, 'DELETE', `/admin/credentials/${agency.clientId}`),
    consistent: (agency, outcome) =>
      adminState(gw, outcome, 'credential.revoke', async () => {
        return (await gw.deps.control.getCredential(agency.clientId))?.status === 'revoked';
      }),
  },
  {
    name: 'signing-key rotation',
    fresh: false,
    side: true,
    arrange: async () => {
      // Each rotation retires the key before the previous one: tokens are minted afresh.
      sideAdmin = await mint(side, sideAdminClient);
      keysBefore = await savedKeys();
    },
    act: () => side.call(sideAdmin, 'POST', '/admin/signing-keys/rotate'),
    consistent: (_agency, outcome) => keyState(outcome),
  },
];

const QUOTA_PLAN = 'FAULT-QUOTA-1';
/** A burst of 4 over an agency's 4 lanes: each window lane holds one unit, the last one, as it is read. */
const LAST_UNIT_PLAN = 'FAULT-LAST-UNIT';

/** The month `back` months before December 2025: every close run closes a month nobody closed or metered yet. */
function closedPeriod(back: number) {
  const index = 2025 * 12 + 11 - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

let agencies = 0;
let agencyKey: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

/**
 * A new agency entitled to the four operations, with a private_key_jwt credential and a token: fresh state
 * for one run, without the two scrypt rounds a secret would cost.
 */
async function freshAgency(on = gw, by = admin): Promise<Fresh> {
  const ops = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const;
  const created = await on.call(by, 'POST', '/admin/agencies', {
    code: `FAULT-${++agencies}`,
    name: 'Fault',
  });
  const { id: agencyId } = await answerTo(created, createAgencyRoute, 201);
  await on.call(by, 'PUT', `/admin/agencies/${agencyId}/entitlements`, {
    entitlements: ops.map((operation) => ({ operation, purposes: ['1.001'] })),
  });
  const clientId = await keyClient(on, by, agencyId, [...ops]);
  return { agencyId, clientId, clientSecret: '', token: await mint(on, clientId) };
}

/** Issues a private_key_jwt credential (the shared test key) and returns its client id. */
async function keyClient(on: TestGateway, by: string, agencyId: string, scopes: string[]) {
  const issued = await on.call(by, 'POST', `/admin/agencies/${agencyId}/credentials`, {
    scopes,
    publicJwk: agencyKey.publicJwk,
  });
  return (await issuedCredentialOf(issued)).clientId;
}

/** A token for a private_key_jwt credential, at the agency's current policy (no scrypt round). */
async function mint(on: TestGateway, clientId: string): Promise<string> {
  const assertion = await clientAssertion(
    clientId,
    agencyKey.privateKey,
    `${on.deps.config.TOKEN_ISSUER}/oauth/token`,
  );
  const response = await on.app.request('/oauth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: assertionForm(assertion),
  });
  return (await answerTo(response, tokenRoute)).access_token;
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

/** Routes every store call of a gateway through the fault stub. */
function intercept(store: DynamoDBDocumentClient) {
  const real = store.send.bind(store) as (command: Command) => Promise<unknown>;
  const mock = mockClient(store);
  mock.send.callsFake(((command: Command) => {
    const name = command.constructor.name;
    const position = calls.length;
    calls.push(name);
    const named = transaction(name) ? itemsOf(command).flatMap((item) => laneOf(item) ?? []) : [];
    lanes.push(named);
    // Each lane transaction meets the scenario's next cancellation; the fault under test takes its place there.
    const contended = named.length ? contention.shift() : undefined;
    if (fault && position === faultAt) {
      injected = true;
      return fault
        .inject(command, () => real(command))
        .catch((error: unknown) => {
          if (error instanceof TransactionCanceledException) {
            cancelledLanes = itemsOf(command).flatMap((item, i) => {
              const lane = laneOf(item);
              return lane && error.CancellationReasons?.[i]?.Code !== 'None' ? [lane] : [];
            });
          }
          throw error;
        });
    }
    if (contended) return Promise.reject(contended(command));
    if (fault && thenKeepFailing && faultAt !== undefined && position > faultAt && name === calls[faultAt]) {
      return Promise.reject(
        Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} }),
      );
    }
    return real(command);
  }) as never);
}

beforeAll(async () => {
  [gw, side] = await Promise.all([
    createTestGateway(inject('dynamoEndpoint')),
    createTestGateway(inject('dynamoEndpoint')),
  ]);
  intercept(gw.deps.store);
  intercept(side.deps.store);
  admin = await gw.adminToken();
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  agencyKey = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256' } };
  finance = await gw.operatorToken(['billing:read', 'billing:close']);
  auditor = await gw.operatorToken(['audit:read']);
  reader = await secretAgency();
  expect((await registry(reader, 'reader-1', 'GET', `/v1/citizens/${citizen.nationalId}`)).status).toBe(200);
  // One call a month; and one unit a lane (4 calls/s over 4 lanes), for the lane scenarios.
  await gw.plan(QUOTA_PLAN, { perSecond: 10, burst: 20, quota: 1 });
  await gw.plan(LAST_UNIT_PLAN, { perSecond: 4, burst: 4, quota: 1000 });

  // The side gateway: its operators use private_key_jwt, so a token costs no scrypt round after a rotation.
  const bootstrap = await side.adminToken();
  sideAdminClient = await keyClient(side, bootstrap, 'ag_platform', ['admin']);
  sideFinanceClient = await keyClient(side, bootstrap, 'ag_platform', ['billing:read', 'billing:close']);
  sideAgency = await freshAgency(side, bootstrap);
  await side.deps.keys.publish();
}, 60_000);

afterAll(() => {
  const each = [...runsOf].map(([name, n]) => `${name} ${n}`).join(', ');
  console.info(`fault sweep: ${runs} faulted runs over ${SCENARIOS.length} scenarios (${each})`);
});

let runs = 0;
const runsOf = new Map<string, number>();

/**
 * Runs a scenario's act with the fault (if any) at call `at`; returns the answer and the calls it made. The
 * scenario's contention is met by the recorded and the faulted runs; a clean retry meets neither (a lane its
 * contention "filled" is remembered full by the gateway, so meeting it again would fill lanes the store
 * never had).
 */
async function run(
  scenario: Scenario,
  agency: Fresh,
  key: string,
  at?: number,
  withFault?: Fault,
  contended = at !== undefined,
) {
  calls = [];
  lanes = [];
  cancelledLanes = [];
  injected = false;
  faultAt = at;
  fault = withFault;
  contention = contended ? [...(scenario.contended ?? [])] : [];
  try {
    const response = await scenario.act(agency, key);
    return { response, text: await response.text(), sequence: [...calls], lanes: [...lanes] } as Outcome & {
      sequence: string[];
      lanes: string[][];
    };
  } finally {
    fault = undefined;
    faultAt = undefined;
    contention = [];
  }
}

/**
 * The agency's ledger entries (one per counted call) and its counts this period: the sum over its month lanes
 * (`LANE#` items), read consistently, per call and per operation.
 */
async function ledgerOf(agencyId: string) {
  // Queries, not a scan: a scan's first page stops at 1 MB, and the ledger outgrows it during the sweep.
  const query = (input: Omit<QueryCommandInput, 'TableName'>) =>
    queryAll(gw.deps.store, { TableName: gw.deps.tables.ledger, ...input });
  // The agency index is sharded: every shard is read.
  const [shards, [counters, ...others]] = await Promise.all([
    Promise.all(
      auditIndexKeys.agencyShards(agencyId).map((shard) =>
        query({
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :shard',
          FilterExpression: 'begins_with(pk, :entry)',
          ExpressionAttributeValues: { ':shard': shard, ':entry': `ENTRY#${agencyId}#` },
        }),
      ),
    ),
    gw.counters(agencyId, period(), period()),
  ]);
  if (others.length) throw new Error(`counters of ${agencyId} in more than one period`);
  const entries = shards.flat();
  return {
    entries: entries.map((e) => ({
      ...(e.event as { id: string; status: number; action: string; ledger: { billable: boolean } }),
      leafHash: e.leafHash as string,
    })),
    calls: counters?.calls ?? 0,
    billable: counters?.billable ?? 0,
    operations: counters?.operations ?? {},
  };
}

describe('fault sweep over every store call', () => {
  const baselines = new Map<
    string,
    { status: number; text: string; sequence: string[]; lanes: string[][] }
  >();

  // Each scenario's store calls against the real store, recorded once before any test: every test below
  // injects its faults into these, whichever of them runs (vitest -t runs one alone).
  beforeAll(async () => {
    for (const scenario of SCENARIOS) {
      const agency = scenario.fresh ? await freshAgency() : scenario.side ? sideAgency : reader;
      await scenario.arrange?.(agency);
      const { response, text, sequence, lanes } = await run(
        scenario,
        agency,
        `baseline-${scenario.name.replaceAll(' ', '-')}`,
        undefined,
        undefined,
        true,
      );
      baselines.set(scenario.name, { status: response.status, text, sequence, lanes });
    }
    console.info([...baselines].map(([name, b]) => `${name}: ${b.sequence.join(' ')}`).join('\n'));
  }, 60_000);

  it('records the store calls of every scenario against the real store', () => {
    for (const scenario of SCENARIOS) {
      const { status, text, sequence } = baselines.get(scenario.name)!;
      if (scenario.refused) expect(status, `${scenario.name}: ${text}`).toBe(scenario.refused.status);
      else expect(status, `${scenario.name}: ${text}`).toBeLessThan(300);
      expect(sequence.length, scenario.name).toBeGreaterThan(0);
    }
    // A brokered call: one read, one transaction of its entry and two lanes.
    const lookup = baselines.get('citizen lookup')!;
    expect(lookup.sequence).toEqual(['BatchGetCommand', 'TransactWriteCommand']);
    expect(lookup.lanes[1]).toEqual([expect.stringMatching(/^RATE#/), expect.stringMatching(/^LANE#/)]);
    // Cancelled twice on lanes with their last unit left: retried on others, then the window lanes are read.
    expect(baselines.get('citizen lookup through lane conflicts')!.sequence).toEqual([
      'BatchGetCommand',
      'TransactWriteCommand',
      'TransactWriteCommand',
      'BatchGetCommand',
      'TransactWriteCommand',
    ]);
    // Both month lanes it knew turned out full: it reads the month lanes it has not seen full, then lands.
    expect(baselines.get('citizen lookup past filled lanes')!.sequence).toEqual([
      'BatchGetCommand',
      'TransactWriteCommand',
      'TransactWriteCommand',
      'BatchGetCommand',
      'TransactWriteCommand',
    ]);
    for (const name of ['citizen lookup through lane conflicts', 'citizen lookup past filled lanes']) {
      const named = baselines.get(name)!.lanes.filter((l) => l.length);
      expect(new Set(named.map((l) => l.find((pk) => pk.startsWith('LANE#')))).size, name).toBe(3);
    }
  });

  for (const scenario of SCENARIOS) {
    it(`fails closed, without a leak or a lost or double count, when any store call of ${scenario.name} fails`, async () => {
      const baseline = baselines.get(scenario.name);
      expect(baseline, 'recorded before the tests').toBeDefined();
      const findings: string[] = [];
      for (const [at, command] of baseline!.sequence.entries()) {
        const namesLanes = baseline!.lanes[at]!.length > 0;
        for (const f of FAULTS.filter((x) => x.fits(command, namesLanes))) {
          const label = `${scenario.name}, call ${at} (${command}) ${f.name}`;
          const agency = scenario.fresh ? await freshAgency() : scenario.side ? sideAgency : reader;
          await scenario.arrange?.(agency);
          const key = `k-${runs}`;
          const outcome = await run(scenario, agency, key, at, f);
          const { response, text, sequence } = outcome;
          runs++;
          runsOf.set(scenario.name, (runsOf.get(scenario.name) ?? 0) + 1);
          if (!injected) {
            findings.push(`${label}: the call never happened (sequence now ${sequence.join(' ')})`);
            continue;
          }
          findings.push(...checkAnswer(label, scenario, baseline!.status, response, text));
          if (f.recovers && namesLanes) findings.push(...checkMoved(label, baseline!.status, outcome, at));
          if (scenario.metered) findings.push(...(await checkLedger(label, scenario, agency, key, response)));
          else if (scenario.refused)
            findings.push(...(await checkRefusal(label, scenario, agency, key, response)));
          else {
            const state = (await scenario.consistent?.(agency, outcome)) ?? [];
            findings.push(...state.map((p) => `${label}: ${p}`));
            if (scenario.retried) {
              const retry = await run(scenario, agency, key);
              findings.push(...(await scenario.retried(agency, outcome, retry)).map((p) => `${label}: ${p}`));
            } else if (response.status !== baseline!.status) {
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
  const tables = scenario.side ? side.deps.tables : gw.deps.tables;
  if (leaksIn(text, tables).length) problems.push(`${said}: leaks ${leaksIn(text, tables)}`);
  // A normal answer that is itself a refusal (402, 429) is checked as one: problem+json, no data.
  if (status === normal && normal < 400) return problems;
  if (status !== normal && status !== 503 && status !== 429)
    return [...problems, `${said}: neither the normal answer nor 503/429`];
  const shape = problemShapeError(response, text);
  if (shape) problems.push(`${said}: ${shape}`);
  if ((status === 503 || status === 429) && !/^\d+$/.test(response.headers.get('retry-after') ?? ''))
    problems.push(`${said}: no Retry-After`);
  const data = [
    ...(scenario.metered?.data ?? []),
    ...(scenario.refused?.data ?? []),
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
 * A brokered call whose lane transaction was cancelled (a lane held by another transaction, filled since it
 * was read, throttled): it is served, and its next transaction names none of the lanes the cancellation named.
 */
function checkMoved(
  label: string,
  normal: number,
  outcome: Outcome & { lanes: string[][] },
  at: number,
): string[] {
  const { status } = outcome.response;
  if (status !== normal) {
    return [
      `${label}: a cancellation on its lanes must be retried on other lanes and served; it answered ${status}`,
    ];
  }
  const next = outcome.lanes.slice(at + 1).find((named) => named.length);
  if (!next) return [`${label}: served without a transaction after the cancelled one`];
  const again = next.filter((lane) => cancelledLanes.includes(lane));
  return again.length ? [`${label}: retried on the lane it was cancelled on: ${again.join(', ')}`] : [];
}

/**
 * The ledger after a faulted registry call: served data has exactly one entry for its request id (a replay:
 * its own audit record), counted once in the lanes, and the receipt it answered is that record's leaf; a
 * refusal leaves no counted entry and no audit record. Then a clean retry with the same Idempotency-Key
 * serves once and counts one.
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
  const operation = scenario.metered!.operation;
  const requestId = response.headers.get('x-request-id');
  const after = await ledgerOf(agency.agencyId);
  const record = await item(gw, 'ledger', { pk: `AUDIT#${requestId}`, sk: 'AUDIT' });
  if (response.status === 200) {
    problems.push(...(await receiptProblems(label, replay, response, after)));
    const expected = counted + (replay ? 0 : 1);
    if (after.calls !== expected || after.billable !== expected || after.entries.length !== expected) {
      problems.push(
        `${label}: served, the ledger has ${after.entries.length} entries, ${after.calls} calls, ${after.billable} billable (expected ${expected})`,
      );
    }
    if ((after.operations[operation]?.calls ?? 0) !== expected)
      problems.push(`${label}: served, the lanes count ${after.operations[operation]?.calls} ${operation}`);
  } else {
    if (after.entries.length !== counted || after.calls !== counted || after.billable !== counted) {
      problems.push(
        `${label}: answered ${response.status} but the ledger has ${after.entries.length} entries, ${after.calls} calls, ${after.billable} billable (expected ${counted})`,
      );
    }
    if (record || after.entries.some((e) => e.id === requestId))
      problems.push(`${label}: answered ${response.status} but an audit record of it was written`);
  }
  const retry = await run(scenario, agency, key);
  const final = await ledgerOf(agency.agencyId);
  const data = scenario.metered!.data;
  if (retry.response.status !== 200 || !data.every((d) => retry.text.includes(d))) {
    problems.push(`${label}: the clean retry answered ${retry.response.status} ${retry.text.slice(0, 200)}`);
  } else {
    // Served the first time: the retry replays it; refused: the retry is counted (a replay scenario's replays).
    const replayed = replay || response.status === 200;
    problems.push(...(await receiptProblems(`${label} (retry)`, replayed, retry.response, final)));
  }
  if (
    final.calls !== 1 ||
    final.billable !== 1 ||
    final.entries.length !== 1 ||
    final.operations[operation]?.calls !== 1
  ) {
    problems.push(
      `${label}: after the retry the ledger has ${final.entries.length} entries, ${final.calls} calls (${final.operations[operation]?.calls ?? 0} ${operation}), ${final.billable} billable (expected 1)`,
    );
  }
  return problems;
}

/**
 * Served data has its audit record: a counted call's ledger entry, a replay's own record naming the call it
 * replays; the X-Audit-Leaf receipt answered is that record's leaf hash.
 */
async function receiptProblems(
  label: string,
  replayed: boolean,
  response: Response,
  ledger: Awaited<ReturnType<typeof ledgerOf>>,
): Promise<string[]> {
  const requestId = response.headers.get('x-request-id');
  const receipt = response.headers.get('x-audit-leaf');
  if (replayed !== (response.headers.get('idempotent-replayed') === 'true'))
    return [`${label}: served ${replayed ? 'as a new call' : 'as a replay'}`];
  if (!replayed) {
    const own = ledger.entries.filter((e) => e.id === requestId);
    if (own.length !== 1) return [`${label}: served with ${own.length} ledger entries for its request id`];
    return own[0]!.leafHash === receipt ? [] : [`${label}: its receipt is not its entry's leaf`];
  }
  const record = await item(gw, 'ledger', { pk: `AUDIT#${requestId}`, sk: 'AUDIT' });
  const event = record?.event as { replayOf?: string } | undefined;
  if (!event?.replayOf || !ledger.entries.some((e) => e.id === event.replayOf))
    return [`${label}: a replay served without its own audit record of the counted call`];
  return record?.leafHash === receipt ? [] : [`${label}: its receipt is not its audit record's leaf`];
}

/**
 * A refused registry call (402, 429), faulted or not, counts nothing and writes no served record (only its refused
 * record, when that could be written); a clean retry is refused the same way.
 */
async function checkRefusal(
  label: string,
  scenario: Scenario,
  agency: Fresh,
  key: string,
  response: Response,
) {
  const problems: string[] = [];
  const { status, counted } = scenario.refused!;
  const count = async (when: string, refused: Response) => {
    const ledger = await ledgerOf(agency.agencyId);
    if (ledger.entries.length !== counted || ledger.calls !== counted) {
      problems.push(
        `${label}: ${when} the ledger has ${ledger.entries.length} entries, ${ledger.calls} calls (expected ${counted})`,
      );
    }
    // Its audit record, if the refusal could be recorded under the fault, says refused with its status and is
    // the one its receipt names; a refused call never has a served record.
    const requestId = refused.headers.get('x-request-id');
    const record = await item(gw, 'ledger', { pk: `AUDIT#${requestId}`, sk: 'AUDIT' });
    const event = record?.event as { outcome?: string; status?: number } | undefined;
    if (record && (event?.outcome !== 'refused' || event.status !== refused.status))
      problems.push(`${label}: ${when} the refused call has a record that is not its refusal`);
    const receipt = refused.headers.get('x-audit-leaf');
    if (receipt && record?.leafHash !== receipt)
      problems.push(`${label}: ${when} the refusal's receipt names no record of it`);
  };
  await count('after the faulted call', response);
  const retry = await run(scenario, agency, key);
  if (retry.response.status !== status) {
    problems.push(`${label}: the clean retry answered ${retry.response.status} ${retry.text.slice(0, 200)}`);
  }
  problems.push(...checkAnswer(`${label} (retry)`, scenario, status, retry.response, retry.text));
  await count('after the retry', retry.response);
  return problems;
}

/** One item by key, read-after-write consistent. */
async function item(on: TestGateway, table: 'control' | 'ledger', key: Record<string, string>) {
  const { Item } = await on.deps.store.send(
    new GetCommand({ TableName: on.deps.tables[table], Key: key, ConsistentRead: true }),
  );
  return Item;
}

/** The audit record a request wrote (admin and billing actions use the request id as the record id). */
const auditOf = (on: TestGateway, outcome: Outcome) =>
  item(on, 'ledger', { pk: `AUDIT#${outcome.response.headers.get('x-request-id')}`, sk: 'AUDIT' });

/** An admin change and its audit record land together or not at all; a 2xx answer means both landed. */
async function adminState(
  on: TestGateway,
  outcome: Outcome,
  action: string,
  changed: () => Promise<boolean>,
): Promise<string[]> {
  const audit = await auditOf(on, outcome);
  const change = await changed();
  const audited = (audit?.event as { action?: string } | undefined)?.action === action;
  const problems: string[] = [];
  if (change !== audited) {
    problems.push(
      `the change ${change ? 'landed' : 'did not land'} but its audit record ${audited ? 'did' : 'did not'}`,
    );
  }
  if (outcome.response.status < 300 && !change) problems.push('answered success but nothing changed');
  return problems;
}

/**
 * The closed period after a faulted close: its agency's statement is absent or complete (statement, hash,
 * signature that verifies with the published keys); a close marker never stands without it; the close's audit
 * record lands with the marker.
 */
async function closeState(outcome: Outcome): Promise<string[]> {
  const problems: string[] = [];
  const marker = await item(side, 'ledger', billingKeys.close(closing));
  const stored = (await item(side, 'ledger', billingKeys.statement(sideAgency.agencyId, closing)))?.signed as
    | SignedStatement
    | undefined;
  if (stored) problems.push(...(await signedStatementErrors(stored)));
  if (marker && !stored) problems.push(`${closing} is marked closed without the agency's statement`);
  const audited = (await auditOf(side, outcome)) !== undefined;
  if (audited !== (marker !== undefined)) {
    problems.push(
      `the close marker ${marker ? 'landed' : 'did not land'} but its audit record ${audited ? 'did' : 'did not'}`,
    );
  }
  if (outcome.response.status === 200) {
    if (!marker) problems.push('answered 200 but the period is not marked closed');
    const answered = closedStatementIn(outcome.text);
    if (!stored || answered?.jws !== stored.jws)
      problems.push('answered a statement other than the stored one');
  }
  return problems;
}

/** A clean retry of the close succeeds and answers the statement stored (and answered) before, unchanged. */
async function closeRetried(first: Outcome, retry: Outcome): Promise<string[]> {
  const problems: string[] = [];
  if (retry.response.status !== 200) {
    return [`the clean retry of the close answered ${retry.response.status} ${retry.text.slice(0, 200)}`];
  }
  const stored = (await item(side, 'ledger', billingKeys.statement(sideAgency.agencyId, closing)))?.signed as
    | SignedStatement
    | undefined;
  const answered = closedStatementIn(retry.text);
  if (!stored || !answered) return [`after the retry: stored ${!!stored}, answered ${!!answered}`];
  problems.push(...(await signedStatementErrors(stored)));
  if (answered.jws !== stored.jws) problems.push('the retry answered a statement other than the stored one');
  if (first.response.status === 200 && closedStatementIn(first.text)?.jws !== answered.jws) {
    problems.push('the retry answered a different signed statement than the first close');
  }
  if (!(await item(side, 'ledger', billingKeys.close(closing))))
    problems.push('not marked closed after the retry');
  return problems;
}

const closedStatementIn = (text: string) =>
  (JSON.parse(text) as { statements?: SignedStatement[] }).statements?.find(
    (s) => s.statement.agencyId === sideAgency.agencyId,
  );

async function signedStatementErrors(signed: SignedStatement): Promise<string[]> {
  try {
    const verified = await verifyStatementFile(
      Buffer.from(signedStatementFile(signed)),
      (await side.deps.keys.jwks()) as never,
    );
    if (verified.agencyId !== sideAgency.agencyId || verified.period !== closing)
      return [`the stored statement is for ${verified.agencyId} ${verified.period}`];
    if ((signed.statement as Statement).lines.every((l) => l.calls === 0))
      return ['the stored statement does not show the metered call'];
    return [];
  } catch (error) {
    return [`the stored statement is incomplete or does not verify: ${(error as Error).message}`];
  }
}

/**
 * A refund's stored state: at most one reversal; the reversed count of the period's adjustments (`ADJUST#`,
 * the only item a refund bumps), the audit records of the given requests and the statement's reversal line
 * all agree with it, and the lanes still count the refunded call once (a refund credits it, never uncounts it).
 */
async function reversalState(agency: Fresh, outcomes: Outcome[]) {
  const problems: string[] = [];
  const { Items = [] } = await gw.deps.store.send(
    new QueryCommand({
      TableName: gw.deps.tables.ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': billingKeys.reversal(agency.agencyId, period(), '').pk },
      ConsistentRead: true,
    }),
  );
  const recorded = Items.length;
  if (recorded > 1) problems.push(`${recorded} reversals of one call`);
  const adjustments = (await item(gw, 'ledger', ledgerKeys.adjustments(agency.agencyId, period()))) ?? {};
  const reversed = Object.entries(adjustments)
    .filter(([name]) => name.startsWith('reversed#'))
    .reduce((sum, [, n]) => sum + Number(n), 0);
  if (reversed !== recorded)
    problems.push(`the adjustments have ${reversed} reversed for ${recorded} reversals`);
  const [counters] = await gw.counters(agency.agencyId, period(), period());
  if (counters?.calls !== 1 || counters.billable !== 1)
    problems.push(
      `the lanes count ${counters?.calls} calls, ${counters?.billable} billable, of the one metered`,
    );
  let audited = 0;
  for (const outcome of outcomes) {
    const audit = await auditOf(gw, outcome);
    if ((audit?.event as { action?: string } | undefined)?.action === 'billing.reversal') audited++;
  }
  if (audited !== recorded) problems.push(`${audited} reversal audit records for ${recorded} reversals`);
  const view = await gw.call(finance, 'GET', `/billing/statements/${period()}?agency=${agency.agencyId}`);
  const { statement } = await answerTo(view, statementRoute);
  const credited = statement.adjustments
    .filter((a) => a.reason === 'reversal')
    .reduce((sum, a) => sum + a.billable, 0);
  if (credited !== -recorded)
    problems.push(`the statement credits ${-credited} calls for ${recorded} reversals`);
  return { recorded, problems };
}

/** The signing keys the side gateway has saved (its private key store). */
const savedKeys = () => (side.deps.keys as unknown as { store: KeyStore }).store.load();

/**
 * After a faulted rotation: every saved key (each holds a private key) and the key that signs are published;
 * the rotation's audit record lands exactly when the new key was installed.
 */
async function keyState(outcome: Outcome): Promise<string[]> {
  const problems: string[] = [];
  const published = new Set(
    (((await item(side, 'control', publishedKeysKey))?.keys ?? []) as StoredKey[]).map((k) => k.kid),
  );
  const saved = await savedKeys();
  for (const key of saved) {
    if (key.privateJwk && !published.has(key.kid)) problems.push(`saved key ${key.kid} is not published`);
  }
  const signing = (await side.deps.keys.signingKey()).kid;
  if (!published.has(signing)) problems.push(`the signing key ${signing} is not published`);
  const rotated = saved[0]?.kid !== keysBefore[0]?.kid;
  const audited = (await auditOf(side, outcome)) !== undefined;
  if (rotated !== audited) {
    problems.push(
      `the rotation ${rotated ? 'landed' : 'did not land'} but its audit record ${audited ? 'did' : 'did not'}`,
    );
  }
  if (outcome.response.status === 200) {
    const { kid } = JSON.parse(outcome.text) as { kid: string };
    if (saved[0]?.kid !== kid || signing !== kid) problems.push(`answered ${kid}, but ${signing} signs`);
  }
  return problems;
}
