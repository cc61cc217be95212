import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  auditVerifyRoute,
  checkpointRoute,
  consistencyRoute,
  proofRoute,
} from '../../../functions/audit/routes';
import { jwksRoute } from '../../../functions/token/discovery';
import { verifyCheckpoint } from '../../../shared/audit/checkpoint';
import { auditLogOrigin } from '../../../shared/audit/log';
import { fromHex, verifyConsistency } from '../../../shared/audit/merkle';
import { type AuditEvent, recordLeafHash } from '../../../shared/audit/model';
import { verifyAuditProof } from '../../../shared/audit/proof';
import { logKeys } from '../../../shared/storage/keys/ledger';
import { answerTo } from '../../support/answers';
import { createTestGateway, type TestGateway } from '../../support/gateway';

let gw: TestGateway;
let auditor: string;
let agency: string;
let jwks: JSONWebKeySet;
const AN = '001099012345';

/** Registry calls over HTTP; each answer's request id and receipt. */
async function lookups(count: number, headers: Record<string, string> = {}) {
  const out: { requestId: string; leaf: string; status: number }[] = [];
  for (let i = 0; i < count; i++) {
    const response = await gw.call(agency, 'GET', `/v1/citizens/${AN}`, undefined, {
      'X-Purpose': '1.001',
      ...headers,
    });
    out.push({
      requestId: response.headers.get('x-request-id')!,
      leaf: response.headers.get('x-audit-leaf') ?? '',
      status: response.status,
    });
  }
  return out;
}

/** The stored audit record of a call (its ledger entry). */
async function recordOf(requestId: string) {
  const { Item: leaf } = await gw.deps.store.send(
    new GetCommand({ TableName: gw.deps.tables.ledger, Key: logKeys.leaf(requestId) }),
  );
  const { Item: bundle } = await gw.deps.store.send(
    new GetCommand({
      TableName: gw.deps.tables.ledger,
      Key: logKeys.bundle(Math.floor(Number(leaf?.index) / 256)),
    }),
  );
  if (!leaf || !bundle) throw new Error(`request ${requestId} is not sealed yet`);
  const entry = (bundle.entries as { pk: string; sk: string }[])[Number(leaf.index) % 256]!;
  const { Item } = await gw.deps.store.send(
    new GetCommand({ TableName: gw.deps.tables.ledger, Key: { pk: entry.pk, sk: entry.sk } }),
  );
  return { key: { pk: entry.pk, sk: entry.sk }, item: Item!, leafIndex: Number(leaf?.index) };
}

beforeAll(async () => {
  gw = await createTestGateway(inject('dynamoEndpoint'));
  auditor = await gw.adminToken();
  const a = await gw.agencyWithCredential({
    code: 'LOG-1',
    entitlements: [{ operation: 'citizen:read', purposes: ['1.001'] }],
    scopes: ['citizen:read'],
  });
  await gw.call(auditor, 'POST', '/admin/plans', {
    code: 'LOG-FAST',
    name: 'Gói nhanh',
    rateLimit: { perSecond: 1000, burst: 1000 },
    monthlyQuota: 100_000,
    includedCalls: 0,
    monthlyFeeVnd: 0,
    unitPricesVnd: {},
  });
  await gw.call(auditor, 'PUT', `/admin/agencies/${a.agencyId}/plan`, { planCode: 'LOG-FAST' });
  agency = await gw.token(a.clientId, a.clientSecret);
  jwks = await answerTo(await gw.app.request('/.well-known/jwks.json'), jwksRoute);
});

describe('audit log receipts and proofs', () => {
  let calls: Awaited<ReturnType<typeof lookups>>;

  beforeAll(async () => {
    // 37 calls: the tree's size is not a power of two.
    calls = await lookups(37);
  });

  it('gives every registry answer a receipt: the leaf hash of the record the call wrote', async () => {
    expect(calls.every((c) => c.status === 200 && /^[0-9a-f]{64}$/.test(c.leaf))).toBe(true);
    expect(new Set(calls.map((c) => c.leaf)).size).toBe(calls.length);
    const [first] = await Promise.all([
      gw.deps.store.send(
        new GetCommand({
          TableName: gw.deps.tables.ledger,
          Key: { pk: `AUDIT#${calls[0]!.requestId}`, sk: 'AUDIT' },
        }),
      ),
    ]);
    // The entry lives under its ledger key; its audit event hashes to the receipt.
    expect(first.Item).toBeUndefined();
    await gw.seal();
    const stored = await recordOf(calls[0]!.requestId);
    expect(recordLeafHash(stored.item.event as AuditEvent)).toBe(calls[0]!.leaf);
  });

  it('gives a replay the receipt of its own record', async () => {
    const [first, again] = await lookups(2, { 'Idempotency-Key': 'receipt-replay-1' });
    expect(again?.status).toBe(200);
    expect(again?.leaf).toMatch(/^[0-9a-f]{64}$/);
    expect(again?.leaf).not.toBe(first?.leaf);
  });

  it('answers 404 for a record not in the tree yet, then a proof that verifies offline', async () => {
    const [fresh] = await lookups(1);
    const before = await gw.call(auditor, 'GET', `/audit/log/proofs/${fresh!.requestId}`);
    expect(before.status).toBe(404);
    expect(before.headers.get('content-type')).toBe('application/problem+json');

    await gw.seal();
    const response = await gw.call(auditor, 'GET', `/audit/log/proofs/${fresh!.requestId}`);
    // The whole answer as sent, members outside the schema included: parsing drops those.
    const sent = await response.clone().text();
    const proof = await answerTo(response, proofRoute);
    expect(proof.leafHash).toBe(fresh!.leaf);
    const verified = await verifyAuditProof(proof, jwks, fresh!.leaf);
    expect(verified.treeSize).toBe(proof.treeSize);
    // A path of about log2(size) hashes, and nothing a covert lookup could be seen by.
    expect(proof.auditPath.length).toBeLessThanOrEqual(Math.ceil(Math.log2(proof.treeSize)));
    expect(sent).not.toMatch(/citizen|001099012345|ag_|1\.001/);
  });

  it('publishes the latest checkpoint without a token, signed with a key of the JWKS', async () => {
    const checkpoint = await answerTo(await gw.app.request('/audit/log/checkpoint'), checkpointRoute);
    expect(checkpoint.treeSize).toBeGreaterThanOrEqual(40);
    const body = await verifyCheckpoint(checkpoint, jwks, { origin: auditLogOrigin(gw.deps.config) });
    expect(body).toMatchObject({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash });
  });

  it('proves each checkpointed tree extends the one before (consistency)', async () => {
    const older = await answerTo(await gw.app.request('/audit/log/checkpoint'), checkpointRoute);
    await lookups(5);
    await gw.seal();
    const newer = await answerTo(await gw.app.request('/audit/log/checkpoint'), checkpointRoute);
    const response = await gw.call(
      auditor,
      'GET',
      `/audit/log/consistency?from=${older.treeSize}&to=${newer.treeSize}`,
    );
    const { proof } = await answerTo(response, consistencyRoute);
    expect(
      verifyConsistency(
        older.treeSize,
        newer.treeSize,
        proof.map(fromHex),
        fromHex(older.rootHash),
        fromHex(newer.rootHash),
      ),
    ).toBe(true);
    const statusOf = async (query: string) =>
      (await gw.call(auditor, 'GET', `/audit/log/consistency?${query}`)).status;
    expect(await statusOf(`from=${newer.treeSize}&to=${older.treeSize}`)).toBe(400);
    expect(await statusOf(`from=1&to=${newer.treeSize + 1000}`)).toBe(400);
    expect(await statusOf(`from=${older.treeSize + 1}&to=${newer.treeSize}`)).toBe(404);
    expect(await statusOf('from=abc&to=3')).toBe(400);
  });

  it('appends a record once though the stream delivers it again', async () => {
    const before = (await gw.auditLog.checkpoint())!.treeSize;
    const { item, key } = await recordOf(calls[3]!.requestId);
    const again = await gw.auditLog.append([
      { ...key, event: item.event as AuditEvent },
      { ...key, event: item.event as AuditEvent },
    ]);
    expect(again).toEqual({ appended: 0, treeSize: before });
  });

  it('needs a token with audit:read for proofs and consistency', async () => {
    expect((await gw.call(agency, 'GET', `/audit/log/proofs/${calls[0]!.requestId}`)).status).toBe(403);
    expect((await gw.app.request(`/audit/log/proofs/${calls[0]!.requestId}`)).status).toBe(401);
  });
});

describe('audit log verification', () => {
  const verify = async () => answerTo(await gw.call(auditor, 'GET', '/audit/verify'), auditVerifyRoute);

  it('verifies what was appended since the last verified checkpoint, and only that', async () => {
    await gw.seal();
    const first = await verify();
    expect(first.ok).toBe(true);
    expect(first.treeSize).toBeGreaterThan(40);
    const second = await verify();
    expect(second).toMatchObject({ ok: true, checked: 0, from: first.treeSize });
    await lookups(3);
    await gw.seal();
    const third = await verify();
    // Three calls, plus nothing else: the admin actions of this file happened before.
    expect(third).toMatchObject({ ok: true, from: first.treeSize, checked: 3 });
  });

  it('names a record edited after it was sealed, in the routine check and in the full one', async () => {
    const [edited] = await lookups(1);
    await gw.seal();
    const { key, leafIndex } = await recordOf(edited!.requestId);
    const setPurpose = (purpose: string) =>
      gw.deps.store.send(
        new UpdateCommand({
          TableName: gw.deps.tables.ledger,
          Key: key,
          UpdateExpression: 'SET #e.purpose = :p',
          ExpressionAttributeNames: { '#e': 'event' },
          ExpressionAttributeValues: { ':p': purpose },
        }),
      );
    await setPurpose('9.999');
    const routine = await verify();
    expect(routine.ok).toBe(false);
    expect(routine.firstBroken).toMatchObject({
      leafIndex,
      id: edited!.requestId,
      reason: expect.stringContaining('changed'),
    });
    const full = await gw.auditLog.verify(jwks, { full: true });
    expect(full.firstBroken).toMatchObject({ leafIndex, id: edited!.requestId });
    await setPurpose('1.001');
    expect((await verify()).ok).toBe(true);
  });

  it('finds a deleted record, and a record moved to another place in the log', async () => {
    const early = await recordOf((await lookups(1))[0]!.requestId).catch(() => undefined);
    expect(early).toBeUndefined(); // not sealed yet
    const [victim] = await lookups(1);
    await gw.seal();
    const { key, item, leafIndex } = await recordOf(victim!.requestId);
    await gw.deps.store.send(new DeleteCommand({ TableName: gw.deps.tables.ledger, Key: key }));
    const deleted = await gw.auditLog.verify(jwks, { full: true });
    expect(deleted.firstBroken).toMatchObject({ leafIndex, reason: expect.stringContaining('missing') });
    await gw.deps.store.send(new PutCommand({ TableName: gw.deps.tables.ledger, Item: item }));

    // Swap two leaves in the bundle and the tile alike: each record matches its leaf, but the root does not.
    const bundleKey = logKeys.bundle(0);
    const tileKey = logKeys.tile({ level: 0, index: 0 });
    const { Item: bundle } = await gw.deps.store.send(
      new GetCommand({ TableName: gw.deps.tables.ledger, Key: bundleKey }),
    );
    const { Item: tile } = await gw.deps.store.send(
      new GetCommand({ TableName: gw.deps.tables.ledger, Key: tileKey }),
    );
    const entries = [...(bundle!.entries as unknown[])];
    [entries[1], entries[2]] = [entries[2], entries[1]];
    const hashes = Buffer.from(tile!.hashes as Uint8Array);
    const swapped = Buffer.concat([
      hashes.subarray(0, 32),
      hashes.subarray(64, 96),
      hashes.subarray(32, 64),
      hashes.subarray(96),
    ]);
    await gw.deps.store.send(
      new PutCommand({ TableName: gw.deps.tables.ledger, Item: { ...bundle, entries } }),
    );
    await gw.deps.store.send(
      new PutCommand({
        TableName: gw.deps.tables.ledger,
        Item: { ...tile, hashes: new Uint8Array(swapped) },
      }),
    );
    const reordered = await gw.auditLog.verify(jwks, { full: true });
    expect(reordered.ok).toBe(false);
    expect(reordered.firstBroken?.reason).toContain('root');
    await gw.deps.store.send(new PutCommand({ TableName: gw.deps.tables.ledger, Item: bundle! }));
    await gw.deps.store.send(new PutCommand({ TableName: gw.deps.tables.ledger, Item: tile! }));
    expect((await gw.auditLog.verify(jwks, { full: true })).ok).toBe(true);
  });

  it('npm run verify-audit-proof and npm run audit:verify-all agree, and name what was broken', async () => {
    const [call] = await lookups(1);
    await gw.seal();
    const dir = mkdtempSync(join(tmpdir(), 'ndg-audit-'));
    const proof = await answerTo(
      await gw.call(auditor, 'GET', `/audit/log/proofs/${call!.requestId}`),
      proofRoute,
    );
    writeFileSync(join(dir, 'proof.json'), JSON.stringify(proof));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks));
    // One digit of the path changed (reversing it would change nothing when it holds a single hash).
    const [first = '', ...rest] = proof.auditPath;
    const changed = { ...proof, auditPath: [`${first[0] === '0' ? '1' : '0'}${first.slice(1)}`, ...rest] };
    writeFileSync(join(dir, 'changed.json'), JSON.stringify(changed));
    const script = (file: string, args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      });
    const proofCheck = (name: string) =>
      script('scripts/verify-audit-proof.ts', [
        join(dir, name),
        '--jwks',
        join(dir, 'jwks.json'),
        '--leaf',
        call!.leaf,
      ]);
    const ok = proofCheck('proof.json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('OK: record');
    expect(proofCheck('changed.json').status).toBe(1);

    const { config, tables } = gw.deps;
    const verifyAll = () =>
      script('scripts/audit-verify-all.ts', ['--jwks', join(dir, 'jwks.json')], {
        DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
        CONTROL_TABLE: tables.control,
        REGISTRY_TABLE: tables.registry,
        LEDGER_TABLE: tables.ledger,
        TOKEN_ISSUER: config.TOKEN_ISSUER,
      });
    const whole = verifyAll();
    expect(whole.status, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/^OK: \d+ audit records/);
    const { key } = await recordOf(call!.requestId);
    const setOfficer = (officerId: string) =>
      gw.deps.store.send(
        new UpdateCommand({
          TableName: gw.deps.tables.ledger,
          Key: key,
          UpdateExpression: 'SET #e.officerId = :o',
          ExpressionAttributeNames: { '#e': 'event' },
          ExpressionAttributeValues: { ':o': officerId },
        }),
      );
    await setOfficer('CB-FORGED');
    const broken = verifyAll();
    await gw.deps.store.send(
      new UpdateCommand({
        TableName: gw.deps.tables.ledger,
        Key: key,
        UpdateExpression: 'REMOVE #e.officerId',
        ExpressionAttributeNames: { '#e': 'event' },
      }),
    );
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`(record ${call!.requestId})`);
    expect(broken.stderr).toContain('changed');
  });

  it('puts admin actions in the same tree as registry calls', async () => {
    const admin = await gw.call(auditor, 'POST', '/admin/agencies', {
      code: 'LOG-ADMIN',
      name: 'Sở Tư pháp',
    });
    const requestId = admin.headers.get('x-request-id')!;
    await gw.seal();
    const response = await gw.call(auditor, 'GET', `/audit/log/proofs/${requestId}`);
    const proof = await answerTo(response, proofRoute);
    await expect(verifyAuditProof(proof, jwks)).resolves.toMatchObject({ treeSize: expect.any(Number) });
  });
});
