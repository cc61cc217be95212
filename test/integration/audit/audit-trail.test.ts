import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditSealer } from '../../../shared/audit/sealer';
import { Ledger, type MeteredCall } from '../../../shared/ledger/ledger';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let auditor: string;
let sealer: AuditSealer;
let a: { agencyId: string; clientId: string; policyVersion: number };
const covert = { agencyId: '', clientId: '', policyVersion: 0 };

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  auditor = await gw.adminToken();
  sealer = new AuditSealer(gw.deps.store, gw.deps.tables.ledger);
  const made = await gw.agencyWithCredential({
    code: 'CA-HN',
    name: 'Công an thành phố Hà Nội',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  a = { ...made, policyVersion: (await gw.deps.control.getAgency(made.agencyId))!.policyVersion };
  const hidden = await gw.agencyWithCredential({
    code: 'ANNINH-1',
    entitlements: [{ operation: 'citizen:read', purposes: ['7.001'], covertUntil: '2099-01-01' }],
    scopes: ['citizen:read'],
  });
  Object.assign(covert, hidden, {
    policyVersion: (await gw.deps.control.getAgency(hidden.agencyId))!.policyVersion,
  });

  const ledger = new Ledger(gw.deps.store, gw.deps.tables, gw.deps.logger);
  const call = (who: typeof a, overrides: Partial<MeteredCall> = {}): MeteredCall => ({
    requestId: randomUUID(),
    at: new Date(),
    clientId: who.clientId,
    agencyId: who.agencyId,
    policyVersion: who.policyVersion,
    limits: { plan: 'NONE', v: 0, q: 1000, r: 1000, b: 1000 },
    operation: 'citizen:read',
    purpose: '1.001',
    officerId: 'CB-0042',
    caseId: 'HS-2026-001',
    subject: '001099012345',
    fingerprint: 'f',
    status: 200,
    ...overrides,
  });
  for (let i = 0; i < 30; i++) await ledger.commit(call(a));
  await ledger.commit(call(covert, { purpose: '7.001', covertUntil: '2099-01-01' }));
});

describe('audit trail', () => {
  it('answers who looked at a citizen, when and why, with officer and case', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events?subject=001099012345&limit=200');
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Record<string, unknown>[] };
    expect(items).toHaveLength(31);
    expect(items[0]).toMatchObject({
      kind: 'registry-call',
      action: 'citizen:read',
      subject: '001099012345',
    });
    expect(items.filter((e) => e.officerId === 'CB-0042' && e.caseId === 'HS-2026-001')).toHaveLength(31);
  });

  it('pages through an agency trail without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await gw.call(
        auditor,
        'GET',
        `/audit/events?agency=${a.agencyId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = (await response.json()) as { items: { id: string }[]; cursor?: string };
      seen.push(...page.items.map((e) => e.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.filter((id, i) => seen.indexOf(id) === i)).toHaveLength(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(30);
  });

  it('hides covert lookups from the subject history until their date, but not from auditors', async () => {
    const history = (await (
      await gw.call(auditor, 'GET', '/audit/subjects/001099012345/history?limit=200')
    ).json()) as {
      items: { agency: { id: string; name?: string }; purpose?: string }[];
    };
    expect(history.items).toHaveLength(30);
    expect(history.items.every((e) => e.agency.id === a.agencyId)).toBe(true);
    expect(history.items[0]?.agency.name).toBe('Công an thành phố Hà Nội');
    const audit = (await (
      await gw.call(auditor, 'GET', `/audit/events?agency=${covert.agencyId}`)
    ).json()) as {
      items: unknown[];
    };
    expect(audit.items.length).toBeGreaterThan(0);
  });

  it('seals the records into hash chains that verify', async () => {
    expect(await sealer.sealAll()).toBeGreaterThan(30);
    const result = (await (await gw.call(auditor, 'GET', '/audit/verify')).json()) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, pending: 0 });
    expect(result.checked).toBeGreaterThan(30);
  });

  it('detects a sealed record edited afterwards and names it', async () => {
    const { Items = [] } = await gw.deps.store.send(
      new QueryCommand({
        TableName: gw.deps.tables.ledger,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': 'AUDIT#SUBJECT#001099012345' },
        Limit: 1,
      }),
    );
    const victim = Items[0]!;
    await gw.deps.store.send(
      new UpdateCommand({
        TableName: gw.deps.tables.ledger,
        Key: { pk: victim.pk, sk: victim.sk },
        UpdateExpression: 'SET #e.purpose = :p',
        ExpressionAttributeNames: { '#e': 'event' },
        ExpressionAttributeValues: { ':p': '9.999' },
      }),
    );
    const result = (await (await gw.call(auditor, 'GET', '/audit/verify')).json()) as {
      ok: boolean;
      firstBroken: { id: string; reason: string; shard: number; seq: number };
    };
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({
      id: victim.event.id,
      reason: expect.stringContaining('changed'),
    });
    expect(result.firstBroken.seq).toBe(victim.seq);

    // Restore it, then remove a whole link instead: the gap is found too.
    await gw.deps.store.send(
      new UpdateCommand({
        TableName: gw.deps.tables.ledger,
        Key: { pk: victim.pk, sk: victim.sk },
        UpdateExpression: 'SET #e.purpose = :p',
        ExpressionAttributeNames: { '#e': 'event' },
        ExpressionAttributeValues: { ':p': victim.event.purpose },
      }),
    );
    expect(((await (await gw.call(auditor, 'GET', '/audit/verify')).json()) as { ok: boolean }).ok).toBe(
      true,
    );
    await gw.deps.store.send(
      new DeleteCommand({
        TableName: gw.deps.tables.ledger,
        Key: { pk: `CHAIN#${victim.shard}`, sk: `SEQ#${String(victim.seq).padStart(12, '0')}` },
      }),
    );
    const gap = (await (await gw.call(auditor, 'GET', '/audit/verify')).json()) as {
      firstBroken: { reason: string; seq: number };
    };
    expect(gap.firstBroken).toMatchObject({ seq: victim.seq, reason: expect.stringContaining('missing') });
  });

  it('records admin actions in the same trail', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events?agency=ag_platform&limit=200');
    const { items } = (await response.json()) as { items: { action: string; kind: string }[] };
    expect(items.map((e) => e.action)).toEqual(expect.arrayContaining(['agency.create', 'credential.issue']));
    expect(items.every((e) => e.kind === 'admin-action')).toBe(true);
  });

  it('refuses a query with neither agency nor subject', async () => {
    const response = await gw.call(auditor, 'GET', '/audit/events');
    expect(response.status).toBe(400);
  });
});

describe('subject history paging', () => {
  it('pages a subject history one by one without any trace of covert lookups in items or cursors', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await gw.call(
        auditor,
        'GET',
        `/audit/subjects/001099012345/history?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = (await response.json()) as { items: { agency: { id: string } }[]; cursor?: string };
      expect(page.items).toHaveLength(1);
      seen.push(...page.items.map((i) => i.agency.id));
      cursor = page.cursor;
      if (cursor) {
        const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
        expect(Object.keys(JSON.parse(decoded))).toEqual(['before']);
        expect(decoded).not.toContain(covert.agencyId);
      }
    } while (cursor);
    expect(seen).toHaveLength(30);
    expect(seen).not.toContain(covert.agencyId);
  });

  it('answers a forged cursor with 400, not a store error', async () => {
    const forged = Buffer.from('{}').toString('base64url');
    expect(
      (await gw.call(auditor, 'GET', `/audit/events?agency=${a.agencyId}&cursor=${forged}`)).status,
    ).toBe(400);
    const wrongKeys = Buffer.from('{"pk":"x","zz":"y"}').toString('base64url');
    expect((await gw.call(auditor, 'GET', `/admin/agencies?cursor=${wrongKeys}`)).status).toBe(400);
  });
});
