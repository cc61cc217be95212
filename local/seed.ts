import { randomBytes, randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../shared/audit/model';
import { AuditTrail } from '../shared/audit/trail';
import { PLATFORM_AGENCY_ID } from '../shared/identity/admin-service';
import { type Agency, type Credential, toCredentialView } from '../shared/identity/model';
import { ControlRepository } from '../shared/identity/repository';
import { generateSecret, hashSecret, verifySecret } from '../shared/identity/secrets';
import { type Business, type Citizen, demoBusinesses, demoCitizens } from '../shared/registry/model';
import { writeRegisterRecords } from '../shared/registry/writer';
import type { TableNames } from '../shared/storage/tables';

/** Writes register records and their search index items (see shared/registry/writer.ts). */
export async function writeRegistryRecords(
  store: DynamoDBDocumentClient,
  tableName: string,
  records: { citizens?: Citizen[]; businesses?: Business[] },
): Promise<void> {
  await writeRegisterRecords(store, tableName, records);
}

/** The documented demo records (DESIGN.md), written idempotently on every start. */
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

  const marker = await store.send(
    new GetCommand({ TableName: tables.control, Key: { pk: 'BOOTSTRAP', sk: 'BOOTSTRAP' } }),
  );
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
    new PutCommand({ TableName: tables.control, Item: { pk: 'BOOTSTRAP', sk: 'BOOTSTRAP', clientId } }),
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
