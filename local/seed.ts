import { randomBytes, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { adminServiceOf } from '../functions/admin/app';
import { searchTarget } from '../functions/registry/refusals';
import { EXAMPLE_PURPOSES } from '../functions/registry/routes';
import type { AuditEvent } from '../shared/audit/model';
import { AuditTrail } from '../shared/audit/trail';
import type { GatewayDeps } from '../shared/deps';
import { type AdminContext, PLATFORM_AGENCY_ID } from '../shared/identity/admin-service';
import {
  type Agency,
  type Credential,
  OPERATIONS,
  type Operation,
  type Scope,
  toCredentialView,
} from '../shared/identity/model';
import { defaultLimits, limitsOf, type PlanInput } from '../shared/identity/plans';
import { ControlRepository } from '../shared/identity/repository';
import { generateSecret, hashSecret, verifySecret } from '../shared/identity/secrets';
import { fingerprint, readForCall } from '../shared/ledger/broker';
import { DEFAULT_LANES } from '../shared/ledger/lanes';
import { FAILED_VERIFICATIONS_PER_HOUR, Ledger, verificationGuard } from '../shared/ledger/ledger';
import { periodOf } from '../shared/ledger/period';
import { type Business, type Citizen, demoBusinesses, demoCitizens } from '../shared/registry/model';
import { writeRegisterRecords } from '../shared/registry/writer';
import { controlKeys, markerKeys } from '../shared/storage/keys/control';
import { billingKeys } from '../shared/storage/keys/ledger';
import type { TableNames } from '../shared/storage/tables';

/** Writes register records and their search index items (see shared/registry/writer.ts). */
export async function writeRegistryRecords(
  store: DynamoDBDocumentClient,
  tableName: string,
  records: { citizens?: Citizen[]; businesses?: Business[] },
): Promise<void> {
  await writeRegisterRecords(store, tableName, records);
}

/** The demo records the README's quick start names (shared/registry/model.ts), written idempotently on every start. */
export async function seedDemoRecords(store: DynamoDBDocumentClient, tables: TableNames): Promise<void> {
  await writeRegistryRecords(store, tables.registry, { citizens: demoCitizens, businesses: demoBusinesses });
}

export interface BootstrapResult {
  clientId: string;
  /** Present only when this start created or reset the secret: it is printed once and never stored. */
  clientSecret?: string;
  created: boolean;
  /** What this start changed on an existing bootstrap credential (audited, like its creation). */
  changed?: 'secret-reset' | 'reactivated';
  /** Why the bootstrap credential was left as it is (revoked, or not an admin credential): one line to print. */
  warning?: string;
}

/** Who the audit trail names for what the bootstrap does: no client acts, the operator's start does. */
export const BOOTSTRAP_ACTOR = { clientId: 'system:bootstrap', agencyId: PLATFORM_AGENCY_ID };

/**
 * Ensures the platform operator's agency and the bootstrap admin client (scopes admin, audit:read).
 * With BOOTSTRAP_ADMIN_CLIENT_ID/SECRET the credential is made to match them; otherwise one is generated
 * on first start and its secret printed once; later starts reuse it. A revoked bootstrap credential stays
 * revoked unless `reactivate` (BOOTSTRAP_ADMIN_REACTIVATE=1) asks otherwise, and a credential of anything but
 * the operator's admin is never taken over. Whatever it writes (creation, a new secret, a reactivation) and a
 * refusal the environment asked for are audit records, each in the same transaction as its change.
 */
export async function ensureBootstrapAdmin(
  store: DynamoDBDocumentClient,
  tables: TableNames,
  requested: {
    clientId?: string | undefined;
    clientSecret?: string | undefined;
    reactivate?: boolean | undefined;
    /** How the operator asks for a reactivation, for the warning (the local host: an environment variable). */
    howToReactivate?: string | undefined;
  },
  now: Date = new Date(),
): Promise<BootstrapResult> {
  const control = new ControlRepository(store, tables.control);
  const trail = new AuditTrail(store, tables.ledger);
  const timestamp = now.toISOString();
  const event = (
    action: string,
    target: string,
    before: unknown,
    after: unknown,
    outcome: 'done' | 'refused' = 'done',
  ): AuditEvent => ({
    id: `bootstrap:${randomUUID()}`,
    at: timestamp,
    kind: 'admin-action',
    actor: BOOTSTRAP_ACTOR,
    action,
    target,
    outcome,
    before,
    after,
  });

  if (!(await control.getAgency(PLATFORM_AGENCY_ID))) {
    const agency: Agency = {
      id: PLATFORM_AGENCY_ID,
      code: 'NDG-OPS',
      name: 'Đơn vị vận hành Cổng dữ liệu quốc gia',
      status: 'active',
      policyVersion: 1,
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    await control.createAgency(agency, [trail.putFor(event('agency.create', agency.id, null, agency))]);
  }

  const marker = await store.send(new GetCommand({ TableName: tables.control, Key: markerKeys.bootstrap }));
  const previousId = marker.Item?.clientId as string | undefined;
  const clientId = requested.clientId ?? previousId ?? `ndg-admin-${randomBytes(6).toString('hex')}`;
  const existing = await control.getCredential(clientId);
  const asked = requested.clientId !== undefined || requested.clientSecret !== undefined;

  if (existing && !isBootstrapAdmin(existing)) {
    const warning = `Bootstrap admin: ${clientId} is a credential of agency ${existing.agencyId} without scope admin; left unchanged.`;
    await trail.record(event('credential.bootstrap', clientId, toCredentialView(existing), null, 'refused'));
    return { clientId, created: false, warning };
  }
  if (existing?.status === 'revoked' && !requested.reactivate) {
    const how = requested.howToReactivate ?? 'set BOOTSTRAP_ADMIN_REACTIVATE=1';
    const warning = `Bootstrap admin: ${clientId} is revoked and stays revoked (${how} to reactivate it).`;
    // Asked for by the environment, the refusal is audited; a start that asked for nothing changes nothing.
    if (asked) {
      await trail.record(
        event('credential.reactivate', clientId, toCredentialView(existing), null, 'refused'),
      );
    }
    return { clientId, created: false, warning };
  }
  if (existing?.status === 'active') {
    if (!requested.clientSecret) return { clientId, created: false };
    const matches = await Promise.all(
      existing.secrets.map((s) => verifySecret(requested.clientSecret!, s.hash)),
    );
    if (matches.some(Boolean)) return { clientId, created: false };
  }

  const clientSecret = requested.clientSecret ?? generateSecret();
  const credential: Credential = {
    clientId,
    agencyId: PLATFORM_AGENCY_ID,
    scopes: ['admin', 'audit:read'],
    status: 'active',
    authMethod: 'client_secret',
    secrets: [{ hash: await hashSecret(clientSecret), createdAt: timestamp }],
    createdAt: existing?.createdAt ?? timestamp,
    updatedAt: timestamp,
  };
  const view = toCredentialView(credential);
  const change = !existing ? undefined : existing.status === 'revoked' ? 'reactivated' : 'secret-reset';
  const action = !change
    ? 'credential.issue'
    : change === 'reactivated'
      ? 'credential.reactivate'
      : 'credential.rotate';
  await control.putCredential(credential, existing?.updatedAt, [
    trail.putFor(event(action, clientId, existing ? toCredentialView(existing) : null, view)),
  ]);
  await store.send(
    new PutCommand({ TableName: tables.control, Item: { ...markerKeys.bootstrap, clientId } }),
  );
  return {
    clientId,
    created: !existing,
    ...(change ? { changed: change } : {}),
    ...(requested.clientSecret ? {} : { clientSecret }),
  };
}

/** A credential the bootstrap may manage: the operator agency's, holding admin. */
const isBootstrapAdmin = (credential: Credential) =>
  credential.agencyId === PLATFORM_AGENCY_ID && credential.scopes.includes('admin');

/** The agency every fresh `npm start` has, so that a first registry call needs no admin step. */
export const DEMO_AGENCY = { code: 'DEMO', name: 'Cơ quan thử nghiệm (demo)' } as const;

/**
 * The demo agency's purpose for each operation (catalogue codes): the ones the OpenAPI examples name, so that Try
 * it out in /docs works as shown.
 */
export const DEMO_PURPOSES: Record<Operation, string> = EXAMPLE_PURPOSES;

/**
 * The purpose catalogue of a fresh local gateway: the demo agency's purposes, and a few entries nobody is entitled
 * to (so the catalogue has more to show than the demo uses). Procedure codes in the form of the national public
 * service portal's; demo data, not a reference.
 */
export const DEMO_CATALOGUE: readonly { code: string; name: string; legalBasis: string }[] = [
  {
    code: '1.004194',
    name: 'Đăng ký thường trú',
    legalBasis: 'Luật Cư trú 2020; Nghị định 62/2021/NĐ-CP',
  },
  {
    code: '1.010815',
    name: 'Giải quyết hưởng bảo hiểm xã hội một lần',
    legalBasis: 'Luật Bảo hiểm xã hội 2024',
  },
  {
    code: '1.001612',
    name: 'Đăng ký thành lập doanh nghiệp',
    legalBasis: 'Luật Doanh nghiệp 2020; Nghị định 168/2025/NĐ-CP',
  },
  {
    code: '1.001193',
    name: 'Đăng ký khai sinh',
    legalBasis: 'Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP',
  },
  {
    code: '2.002160',
    name: 'Cấp hộ chiếu phổ thông trong nước',
    legalBasis: 'Luật Xuất cảnh, nhập cảnh của công dân Việt Nam 2019',
  },
  {
    code: '1.012345',
    name: 'Cấp đổi giấy phép lái xe',
    legalBasis: 'Luật Trật tự, an toàn giao thông đường bộ 2024',
  },
];

/** The demo agency's price plan: small limits, and prices so that /me and statements show money. */
export const DEMO_PLAN: PlanInput = {
  code: 'DEMO',
  name: 'Gói thử nghiệm (demo)',
  rateLimit: { perSecond: 10, burst: 20 },
  monthlyQuota: 1_000,
  includedCalls: 0,
  monthlyFeeVnd: 0,
  unitPricesVnd: {
    'citizen:read': 500,
    'citizen:verify': 300,
    'business:read': 400,
    'business:search': 200,
  },
};

/** The demo credential's scopes: the four operations, and the agency's own usage and statements. */
const DEMO_SCOPES: Scope[] = [...OPERATIONS, 'self:read'];

/**
 * The demo agency's calls of the previous month, metered at the first start so that a statement of a month that
 * has ended has lines to close and verify (README "For finance"): day of the month, operation and what was asked.
 */
const DEMO_CALLS: readonly { day: number; operation: Operation; subject?: string; search?: string }[] = [
  { day: 3, operation: 'citizen:read', subject: '001099012345' },
  { day: 3, operation: 'citizen:read', subject: '048301000123' },
  { day: 5, operation: 'citizen:verify', subject: '001099012345' },
  { day: 8, operation: 'business:read', subject: '0401234567' },
  { day: 8, operation: 'business:search', search: 'công nghệ' },
  { day: 12, operation: 'citizen:read', subject: '001099012345' },
  { day: 12, operation: 'citizen:verify', subject: '048301000123' },
  { day: 15, operation: 'business:read', subject: '5701234567' },
  { day: 19, operation: 'citizen:read', subject: '048301000123' },
  { day: 22, operation: 'business:search', search: 'du lịch' },
  { day: 24, operation: 'business:read', subject: '0401234567' },
  { day: 26, operation: 'citizen:read', subject: '001099012345' },
];

/** The demo agency as this start left it. */
export interface DemoAgencyResult {
  code: string;
  name: string;
  agencyId?: string | undefined;
  clientId?: string | undefined;
  /** Present only when this start issued the credential: printed once, never stored. */
  clientSecret?: string | undefined;
  /** Whether this start created (or finished creating) the demo. */
  created: boolean;
  /** Calls of the previous month this start metered for the demo agency. */
  seededCalls: number;
  /** Why the demo credential cannot make calls: one line to print. */
  warning?: string | undefined;
  citizenReadPurpose: string;
}

/** Progress of the demo's creation, so a start that failed half way is finished by the next one. */
interface DemoMarker {
  /** Saved before the agency is created: an agency DEMO found with it set is the demo's, from a start that died. */
  creating?: boolean;
  agencyId?: string;
  clientId?: string;
  done?: boolean;
}

/**
 * Ensures the demo agency DEMO (README "For agencies"): the demo purposes in the catalogue, the plan DEMO, the
 * agency entitled to the four operations for those purposes and on that plan, a credential whose secret this
 * start returns once, and a dozen calls metered in the previous month. Everything goes through the admin service
 * (validated, and audited as actor system:bootstrap) and the ledger, as an admin's actions and real calls would.
 * Once done (a marker item), a start changes nothing: a revoked demo credential or a suspended DEMO stays so, and
 * the result says so. An agency DEMO that the demo did not create is left alone.
 */
export async function ensureDemoAgency(deps: GatewayDeps): Promise<DemoAgencyResult> {
  const result = (fields: Partial<DemoAgencyResult>): DemoAgencyResult => ({
    code: DEMO_AGENCY.code,
    name: DEMO_AGENCY.name,
    created: false,
    seededCalls: 0,
    citizenReadPurpose: DEMO_PURPOSES['citizen:read'],
    ...fields,
  });
  const { Item } = await deps.store.send(
    new GetCommand({ TableName: deps.tables.control, Key: markerKeys.demo, ConsistentRead: true }),
  );
  let marker = (Item ?? {}) as DemoMarker;
  if (marker.done && marker.agencyId && marker.clientId) {
    return result({
      agencyId: marker.agencyId,
      clientId: marker.clientId,
      warning: await demoWarning(deps, marker.agencyId, marker.clientId),
    });
  }
  const saveMarker = async (next: DemoMarker) => {
    marker = next;
    await deps.store.send(
      new PutCommand({ TableName: deps.tables.control, Item: { ...markerKeys.demo, ...next } }),
    );
  };

  const service = adminServiceOf(deps);
  const ctx = (): AdminContext => ({
    caller: BOOTSTRAP_ACTOR,
    requestId: `bootstrap:${randomUUID()}`,
  });

  // Only what is missing: an entry or a plan an admin already wrote is theirs.
  const catalogued = new Set((await deps.purposes.list()).map((p) => p.code));
  for (const entry of DEMO_CATALOGUE.filter((p) => !catalogued.has(p.code))) {
    await service.putPurpose(ctx(), entry.code, { name: entry.name, legalBasis: entry.legalBasis });
  }
  if (!(await deps.plans.current(DEMO_PLAN.code))) await service.savePlan(ctx(), DEMO_PLAN);

  if (!marker.agencyId) {
    const { Item: taken } = await deps.store.send(
      new GetCommand({
        TableName: deps.tables.control,
        Key: controlKeys.agencyCode(DEMO_AGENCY.code),
        ConsistentRead: true,
      }),
    );
    if (taken && !marker.creating) {
      return result({
        warning: `Demo agency: an agency with code ${DEMO_AGENCY.code} exists that npm start did not create; no demo credential.`,
      });
    }
    if (!taken) await saveMarker({ creating: true });
    const agencyId = taken ? (taken.agencyId as string) : (await service.createAgency(ctx(), DEMO_AGENCY)).id;
    await saveMarker({ agencyId });
  }
  const agencyId = marker.agencyId!;
  if (!(await service.getEntitlements(agencyId)).length) {
    await service.putEntitlements(
      ctx(),
      agencyId,
      OPERATIONS.map((operation) => ({ operation, purposes: [DEMO_PURPOSES[operation]] })),
    );
  }
  if (!(await service.getAgency(agencyId)).planCode)
    await service.assignPlan(ctx(), agencyId, DEMO_PLAN.code);

  let clientSecret: string | undefined;
  if (!marker.clientId) {
    const issued = await service.issueCredential(ctx(), agencyId, { scopes: DEMO_SCOPES });
    clientSecret = issued.clientSecret;
    await saveMarker({ agencyId, clientId: issued.credential.clientId });
  }
  const clientId = marker.clientId!;
  const seededCalls = await meterDemoCalls(deps, agencyId, clientId);
  await saveMarker({ agencyId, clientId, done: true });
  return result({ agencyId, clientId, clientSecret, created: true, seededCalls });
}

/** Why the demo credential cannot make calls any more (an admin revoked it or suspended DEMO), if it cannot. */
async function demoWarning(deps: GatewayDeps, agencyId: string, clientId: string) {
  const { credential, agency } = await deps.control.getCredentialWithAgency(clientId, agencyId);
  if (!agency) return `Demo agency: agency ${agencyId} no longer exists.`;
  if (agency.status === 'suspended')
    return `Demo agency ${agency.code} is suspended (an admin did so; npm start leaves it suspended).`;
  if (!credential || credential.status === 'revoked')
    return `Demo agency ${agency.code}: credential ${clientId} is revoked (an admin did so; npm start leaves it revoked).`;
  return undefined;
}

/**
 * Meters DEMO_CALLS in the previous month (Asia/Ho_Chi_Minh) through the ledger, as the registry routes do: the
 * first round trip (liveness and lanes), then the ledger transaction, which is also each call's audit record.
 * Skipped when that month is already closed (the calls would only be late adjustments).
 */
async function meterDemoCalls(deps: GatewayDeps, agencyId: string, clientId: string): Promise<number> {
  const thisMonth = periodOf(deps.now());
  const previous = periodOf(new Date(thisMonth.periodStart.getTime() - 1));
  const { Item: closed } = await deps.store.send(
    new GetCommand({
      TableName: deps.tables.ledger,
      Key: billingKeys.close(previous.period),
      ConsistentRead: true,
    }),
  );
  if (closed) return 0;
  const agency = (await deps.control.getAgency(agencyId))!;
  const plan =
    agency.planCode && agency.planVersion
      ? await deps.plans.version(agency.planCode, agency.planVersion)
      : undefined;
  const limits = {
    ...(plan ? limitsOf(plan) : defaultLimits(deps.config)),
    lanes: agency.ledgerLanes ?? DEFAULT_LANES,
  };
  const ledger = new Ledger(deps.store, deps.tables, deps.logger);
  let minute = 0;
  for (const call of DEMO_CALLS) {
    // 09:00 in Vietnam on that day of the month, a few minutes apart.
    const at = new Date(
      previous.periodStart.getTime() + ((call.day - 1) * 24 + 9) * 3_600_000 + minute++ * 60_000,
    );
    const purpose = DEMO_PURPOSES[call.operation];
    const reading = await readForCall(deps.store, deps.tables, ledger, {
      clientId,
      agencyId,
      policyVersion: agency.policyVersion,
      limits,
      at,
    });
    const asked = call.search ? { name: call.search, limit: 20 } : { subject: call.subject };
    await ledger.commit(
      {
        // Named by agency, month and place: a start that dies before its marker is saved meters them again as replays.
        requestId: `demo-${agencyId}-${previous.period}-${minute}`,
        at,
        clientId,
        agencyId,
        policyVersion: agency.policyVersion,
        limits,
        operation: call.operation,
        purpose,
        officerId: 'CB-0042',
        caseId: `HS-${previous.period}-${String(minute).padStart(3, '0')}`,
        subject: call.subject,
        target: call.search ? searchTarget(call.search) : undefined,
        fingerprint: fingerprint({ operation: call.operation, purpose, asked, status: 200 }),
        status: 200,
        verification:
          call.operation === 'citizen:verify' && call.subject
            ? {
                guard: verificationGuard(agencyId, call.subject, at, FAILED_VERIFICATIONS_PER_HOUR),
                failed: false,
              }
            : undefined,
      },
      reading.lanes,
    );
  }
  return DEMO_CALLS.length;
}
