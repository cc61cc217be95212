import { randomUUID } from 'node:crypto';
import { adminServiceOf } from '../../functions/admin/app';
import { createAgencyRoute } from '../../functions/admin/routes';
import { tokenRoute } from '../../functions/token/oauth';
import { createGatewayApp } from '../../local/gateway-app';
import { ensureBootstrapAdmin, seedDemoRecords } from '../../local/seed';
import { StreamSealer } from '../../local/stream-sealer';
import { auditLogOf } from '../../shared/audit/log';
import { PLATFORM_AGENCY_ID } from '../../shared/identity/admin-service';
import type { Entitlement, Operation, Scope } from '../../shared/identity/model';
import { readForCall } from '../../shared/ledger/broker';
import { Ledger, type MeteredCall } from '../../shared/ledger/ledger';
import { readCounters } from '../../shared/ledger/usage';
import { answerTo, issuedCredentialOf } from './answers';
import { integrationDeps, type TestDepsOptions } from './deps';
import { enforceDocumentedStatuses } from './documented-statuses';

export const ADMIN_ID = 'test-admin';
export const ADMIN_SECRET = 'test-admin-secret-0123456789';

export type TestGateway = Awaited<ReturnType<typeof createTestGateway>>;

/**
 * The purpose catalogue every test gateway starts with: the codes the tests' entitlements name. Entitlements
 * may name catalogue codes only, so an agency's setup needs them there first.
 */
export const TEST_PURPOSES: Record<string, { name: string; legalBasis: string }> = {
  '1.001': { name: 'Đăng ký thường trú (thử nghiệm)', legalBasis: 'Luật Cư trú 2020' },
  '1.002': { name: 'Đăng ký tạm trú (thử nghiệm)', legalBasis: 'Luật Cư trú 2020' },
  '2.001': { name: 'Đăng ký thành lập doanh nghiệp (thử nghiệm)', legalBasis: 'Luật Doanh nghiệp 2020' },
  '2.002': { name: 'Tra cứu doanh nghiệp (thử nghiệm)', legalBasis: 'Luật Doanh nghiệp 2020' },
  '7.001': { name: 'Điều tra vụ án (thử nghiệm)', legalBasis: 'Bộ luật Tố tụng hình sự 2015' },
  '9.999': { name: 'Thủ tục thử nghiệm', legalBasis: 'Quyết định thử nghiệm' },
};

/** The whole gateway (every area on one app) over fresh DynamoDB Local tables, with a bootstrap admin. */
export async function createTestGateway(endpoint: string, options: TestDepsOptions = {}) {
  const deps = await integrationDeps(endpoint, options);
  await seedDemoRecords(deps.store, deps.tables);
  await ensureBootstrapAdmin(deps.store, deps.tables, { clientId: ADMIN_ID, clientSecret: ADMIN_SECRET });
  const admin = adminServiceOf(deps);
  for (const [code, purpose] of Object.entries(TEST_PURPOSES)) {
    await admin.putPurpose(
      {
        caller: { clientId: ADMIN_ID, agencyId: PLATFORM_AGENCY_ID },
        requestId: `test-seed:${randomUUID()}`,
      },
      code,
      purpose,
    );
  }
  const app = createGatewayApp(deps);
  // Every answer through `app` to a documented operation, whose status the OpenAPI document must list.
  const answers = enforceDocumentedStatuses(app);

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  async function token(clientId: string, secret: string, scope?: string): Promise<string> {
    const response = await app.request('/oauth/token', {
      method: 'POST',
      headers: {
        Authorization: basic(clientId, secret),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
    });
    if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
    return (await answerTo(response, tokenRoute)).access_token;
  }

  const adminToken = () => token(ADMIN_ID, ADMIN_SECRET);

  /** A JSON call with a bearer token. */
  async function call(
    bearer: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    return app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /**
   * A credential of the operator agency (NDG-OPS) with platform scopes (finance: `billing:read`, an auditor:
   * `audit:read`), issued by the bootstrap admin; fails the test unless the API answers 201.
   */
  async function operatorCredential(scopes: Scope[]): Promise<{ clientId: string; clientSecret: string }> {
    const issued = await call(
      await adminToken(),
      'POST',
      `/admin/agencies/${PLATFORM_AGENCY_ID}/credentials`,
      {
        scopes,
      },
    );
    const { clientId, clientSecret } = await issuedCredentialOf(issued);
    return { clientId, clientSecret };
  }

  /** A token of a new operator credential with `scopes` (see operatorCredential). */
  async function operatorToken(scopes: Scope[]): Promise<string> {
    const { clientId, clientSecret } = await operatorCredential(scopes);
    return token(clientId, clientSecret);
  }

  /** An agency with entitlements and a secret credential, ready to call the registers. */
  async function agencyWithCredential(input: {
    code: string;
    name?: string;
    entitlements: Entitlement[];
    scopes: Scope[];
  }) {
    const admin = await adminToken();
    const created = await call(admin, 'POST', '/admin/agencies', {
      code: input.code,
      name: input.name ?? `Agency ${input.code}`,
    });
    if (created.status !== 201) throw new Error(`create agency: ${created.status} ${await created.text()}`);
    const agency = await answerTo(created, createAgencyRoute, 201);
    const ent = await call(admin, 'PUT', `/admin/agencies/${agency.id}/entitlements`, {
      entitlements: input.entitlements,
    });
    if (ent.status !== 200) throw new Error(`entitlements: ${ent.status} ${await ent.text()}`);
    const issued = await call(admin, 'POST', `/admin/agencies/${agency.id}/credentials`, {
      scopes: input.scopes,
    });
    if (issued.status !== 201) throw new Error(`credential: ${issued.status} ${await issued.text()}`);
    const credential = await issuedCredentialOf(issued);
    return { agencyId: agency.id, clientId: credential.clientId, clientSecret: credential.clientSecret };
  }

  /**
   * Creates a plan as an admin would (by default 100 calls/s, a quota of 1,000, 500 VND a citizen read, no fee or
   * included calls) and, given agencies, puts each on it. Fails the test on any answer but 201 / 200.
   */
  async function plan(
    code: string,
    options: {
      perSecond?: number;
      burst?: number;
      quota?: number;
      unitPricesVnd?: Record<string, number>;
      agencies?: string[];
    } = {},
  ): Promise<string> {
    const admin = await adminToken();
    const created = await call(admin, 'POST', '/admin/plans', {
      code,
      name: `Gói thử ${code}`,
      rateLimit: { perSecond: options.perSecond ?? 100, burst: options.burst ?? options.perSecond ?? 100 },
      monthlyQuota: options.quota ?? 1_000,
      includedCalls: 0,
      monthlyFeeVnd: 0,
      unitPricesVnd: options.unitPricesVnd ?? { 'citizen:read': 500 },
    });
    if (created.status !== 201) throw new Error(`plan: ${created.status} ${await created.text()}`);
    for (const agencyId of options.agencies ?? []) {
      const moved = await call(admin, 'PUT', `/admin/agencies/${agencyId}/plan`, { planCode: code });
      if (moved.status !== 200) throw new Error(`plan of ${agencyId}: ${moved.status} ${await moved.text()}`);
    }
    return code;
  }

  const ledger = new Ledger(deps.store, deps.tables, deps.logger);

  /** A call through the ledger as the registry route makes it: the first round trip, then the transaction. */
  async function commit(call: MeteredCall) {
    const reading = await readForCall(deps.store, deps.tables, ledger, call);
    return ledger.commit(call, reading.lanes);
  }

  /**
   * Meters one call of an agency at a chosen instant, straight through the ledger (as the registry route
   * would, at the agency's current policy and plan version); returns its request id.
   */
  async function meter(
    agency: { agencyId: string; clientId: string },
    at: string,
    call: { operation?: Operation; status?: number; subject?: string } = {},
  ): Promise<string> {
    const current = (await deps.control.getAgency(agency.agencyId))!;
    const requestId = randomUUID();
    await commit({
      requestId,
      at: new Date(at),
      clientId: agency.clientId,
      agencyId: agency.agencyId,
      policyVersion: current.policyVersion,
      limits: {
        plan: current.planCode ?? 'NONE',
        planVersion: current.planVersion ?? 0,
        monthlyQuota: 1_000,
        ratePerSecond: 1_000,
        burst: 1_000,
        lanes: current.ledgerLanes,
      },
      operation: call.operation ?? 'citizen:read',
      purpose: '1.001',
      subject: call.subject,
      fingerprint: requestId,
      status: call.status ?? 200,
    });
    return requestId;
  }

  /** An agency's usage counters of the periods the tests meter in (2025-12 to 2027-01), oldest first. */
  const counters = async (agencyId: string, from = '2025-12', to = '2027-01') =>
    readCounters(
      deps.store,
      deps.tables.ledger,
      (await deps.control.getAgency(agencyId)) ?? { id: agencyId },
      from,
      to,
      { consistent: true, days: true },
    );

  const auditLog = auditLogOf(deps);
  const sealer = new StreamSealer(deps.store, deps.tables.ledger, auditLog);
  /** Appends every audit record written so far to the audit log (what the sealer does every few seconds). */
  const seal = () => sealer.drain();

  return {
    deps,
    app,
    answers,
    basic,
    token,
    adminToken,
    call,
    agencyWithCredential,
    operatorCredential,
    operatorToken,
    plan,
    counters,
    meter,
    commit,
    ledger,
    auditLog,
    seal,
  };
}
