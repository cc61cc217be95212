import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_AGENCY_ID } from '../shared/identity/admin-service';
import type { Agency, Credential } from '../shared/identity/model';
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
}

/**
 * Ensures the platform operator's agency and the bootstrap admin client (scopes admin, audit:read).
 * With BOOTSTRAP_ADMIN_CLIENT_ID/SECRET the credential is made to match them; otherwise one is generated
 * on first start and its secret printed once; later starts reuse it.
 */
export async function ensureBootstrapAdmin(
  store: DynamoDBDocumentClient,
  tables: TableNames,
  requested: { clientId?: string | undefined; clientSecret?: string | undefined },
  now: Date = new Date(),
): Promise<BootstrapResult> {
  const control = new ControlRepository(store, tables.control);
  const timestamp = now.toISOString();
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
    await control.createAgency(agency);
  }

  const marker = await store.send(
    new GetCommand({ TableName: tables.control, Key: { pk: 'BOOTSTRAP', sk: 'BOOTSTRAP' } }),
  );
  const previousId = marker.Item?.clientId as string | undefined;
  const clientId = requested.clientId ?? previousId ?? `ndg-admin-${randomBytes(6).toString('hex')}`;
  const existing = await control.getCredential(clientId);

  if (existing && !requested.clientSecret) return { clientId, created: false };
  if (existing && requested.clientSecret) {
    const matches = await Promise.all(
      existing.secrets.map((s) => verifySecret(requested.clientSecret!, s.hash)),
    );
    if (existing.status === 'active' && matches.some(Boolean)) return { clientId, created: false };
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
  await control.putCredential(credential, existing?.updatedAt);
  await store.send(
    new PutCommand({ TableName: tables.control, Item: { pk: 'BOOTSTRAP', sk: 'BOOTSTRAP', clientId } }),
  );
  return { clientId, created: true, ...(requested.clientSecret ? {} : { clientSecret }) };
}
