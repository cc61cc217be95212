import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordLeafHash, verifyAuditProof } from '../../../console/audit-proof.js';
import { type SignedCheckpoint, signCheckpoint } from '../../../shared/audit/checkpoint';
import {
  CompactRange,
  evaluatePlan,
  inclusionProofPlan,
  leafHash,
  type NodeRef,
  toHex,
} from '../../../shared/audit/merkle';
import { type AuditEvent, recordLeafHash as gatewayLeafHash } from '../../../shared/audit/model';
import { type AuditProof, verifyAuditProof as verifyOffline } from '../../../shared/audit/proof';

const ORIGIN = 'gateway.example.gov.vn/audit';
const TIMESTAMP = '2026-11-02T03:04:05.678Z';
// Neither a power of two nor one tile: the proof has a right-edge element made of several perfect nodes.
const SIZE = 300;
const LEAF = 290;

type Jwks = { keys: Record<string, unknown>[] };

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    key: { kid, key: privateKey },
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

const leaves = Array.from({ length: SIZE }, (_, i) =>
  leafHash(new TextEncoder().encode(`{"id":"req-${i}"}`)),
);
const nodes = new Map<string, Uint8Array>();
const range = new CompactRange();
for (const node of range.append(leaves)) nodes.set(`${node.height}/${node.index}`, node.hash);
const lookup = (ref: NodeRef) => nodes.get(`${ref.height}/${ref.index}`)!;
const rootHash = toHex(range.root());
const flip = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

let jwks: Jwks;
let otherJwks: Jwks;
let checkpoint: SignedCheckpoint;
let forged: SignedCheckpoint;
let proof: AuditProof;
let kid: string;

beforeAll(async () => {
  const gateway = await keyPair('ndg-2026-11-01-a1b2c3d4');
  const other = await keyPair('ndg-2026-11-01-ffffffff');
  kid = gateway.key.kid;
  jwks = { keys: [gateway.jwk] };
  otherJwks = { keys: [other.jwk] };
  const body = { origin: ORIGIN, treeSize: SIZE, rootHash, timestamp: TIMESTAMP };
  checkpoint = await signCheckpoint(body, gateway.key);
  // Another key claiming the gateway's kid: the signature is well formed but not the gateway's.
  forged = await signCheckpoint(body, { kid, key: other.key.key });
  proof = {
    leafIndex: LEAF,
    treeSize: SIZE,
    leafHash: toHex(leaves[LEAF]!),
    auditPath: evaluatePlan(inclusionProofPlan(LEAF, SIZE), lookup).map(toHex),
    checkpoint,
  };
});

const offlineCode = (p: unknown, keys: Jwks, receipt?: string) =>
  verifyOffline(p, keys as never, receipt).then(
    () => 'verified',
    (error) => error.code as string,
  );

describe('audit proof verification in the browser (WebCrypto)', () => {
  it('verifies what the gateway signed, with the same result as the offline verifier', async () => {
    const result = await verifyAuditProof(proof, jwks);
    expect(result).toEqual({
      ok: true,
      leafIndex: LEAF,
      treeSize: SIZE,
      leafHash: toHex(leaves[LEAF]!),
      rootHash,
      origin: ORIGIN,
      kid,
      timestamp: TIMESTAMP,
    });
    expect(result).toEqual({ ok: true, ...(await verifyOffline(proof, jwks as never)) });
    expect((await verifyAuditProof(proof, jwks, proof.leafHash)).ok).toBe(true);
  });

  it('verifies every leaf of a tree of 300', async () => {
    const failed: number[] = [];
    for (let i = 0; i < SIZE; i += 7) {
      const auditPath = evaluatePlan(inclusionProofPlan(i, SIZE), lookup).map(toHex);
      const result = await verifyAuditProof(
        { ...proof, leafIndex: i, leafHash: toHex(leaves[i]!), auditPath },
        jwks,
      );
      if (!result.ok) failed.push(i);
    }
    expect(failed).toEqual([]);
  });

  const cases: [string, () => { proof: unknown; jwks?: Jwks; receipt?: string }, string][] = [
    ['a changed leaf hash', () => ({ proof: { ...proof, leafHash: flip(proof.leafHash) } }), 'notIncluded'],
    [
      'a changed path element',
      () => ({ proof: { ...proof, auditPath: proof.auditPath.map((h, i) => (i === 3 ? flip(h) : h)) } }),
      'notIncluded',
    ],
    ['a changed proof tree size', () => ({ proof: { ...proof, treeSize: SIZE - 1 } }), 'treeSizeMismatch'],
    [
      'a changed tree size in proof and checkpoint',
      () => ({ proof: { ...proof, treeSize: SIZE + 1, checkpoint: { ...checkpoint, treeSize: SIZE + 1 } } }),
      'payloadMismatch',
    ],
    [
      'a changed root',
      () => ({ proof: { ...proof, checkpoint: { ...checkpoint, rootHash: flip(rootHash) } } }),
      'payloadMismatch',
    ],
    ['an unknown kid', () => ({ proof, jwks: otherJwks }), 'unknownKey'],
    ['an empty JWKS', () => ({ proof, jwks: { keys: [] } }), 'unknownKey'],
    ['a signature from another key', () => ({ proof: { ...proof, checkpoint: forged } }), 'badSignature'],
    [
      'a missing path element',
      () => ({ proof: { ...proof, auditPath: proof.auditPath.slice(1) } }),
      'pathLength',
    ],
    ['a leaf past the tree', () => ({ proof: { ...proof, leafIndex: SIZE } }), 'leafOutOfRange'],
    ['the receipt of another record', () => ({ proof, receipt: toHex(leaves[0]!) }), 'receiptMismatch'],
    ['a receipt that is not a hash', () => ({ proof, receipt: 'not-a-hash' }), 'receiptMalformed'],
    ['a document that is not a proof', () => ({ proof: { ...proof, auditPath: 'x' } }), 'malformed'],
    [
      'a JWS that is not compact',
      () => ({ proof: { ...proof, checkpoint: { ...checkpoint, jws: 'x.y' } } }),
      'malformed',
    ],
  ];

  it.each(cases)('refuses %s with a reason, as the offline verifier does', async (_, make, code) => {
    const { proof: candidate, jwks: keys = jwks, receipt } = make();
    const result = await verifyAuditProof(candidate, keys, receipt);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok === false && result.reason.length > 20).toBe(true);
    expect(await offlineCode(candidate, keys, receipt)).toBe(code);
  });

  it('refuses a second base64url spelling of the same signature', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 64-byte signature leaves 4 unused bits in its last character: flipping one decodes to the same bytes.
    const twin = `${checkpoint.jws.slice(0, -1)}${alphabet[alphabet.indexOf(checkpoint.jws.at(-1)!) ^ 1]}`;
    const candidate = { ...proof, checkpoint: { ...checkpoint, jws: twin } };
    expect(await verifyAuditProof(candidate, jwks)).toMatchObject({ ok: false, code: 'malformed' });
    expect(await offlineCode(candidate, jwks)).toBe('malformed');
  });
});

describe("a record's leaf hash in the browser", () => {
  const event: AuditEvent = {
    id: '5f0c2a51-0f7e-4a53-9d8e-1b2c3d4e5f60',
    at: '2026-11-02T03:04:05.678Z',
    kind: 'registry-call',
    actor: { clientId: 'ndgc_abc', agencyId: 'agc_1' },
    action: 'citizen:read',
    subject: '001099012345',
    purpose: '1.001',
    officerId: 'CB-0042',
    caseId: undefined,
    outcome: 'served',
    status: 200,
    ledger: { period: '2026-11', day: '2026-11-02', plan: 'STD', planVersion: 1, billable: true },
    after: { name: 'Sở Y tế thành phố Hà Nội', tags: ['một', 2, null] },
  };

  it('is the leaf hash the gateway gives the record, computed from the record as GET /audit/events sends it', async () => {
    const sent = JSON.parse(JSON.stringify({ ...event, leafHash: gatewayLeafHash(event) }));
    const { leafHash: receipt, ...shown } = sent;
    expect(await recordLeafHash(shown)).toBe(receipt);
  });

  it('changes when any field of the record does', async () => {
    const shown = JSON.parse(JSON.stringify(event));
    expect(await recordLeafHash({ ...shown, officerId: 'CB-9999' })).not.toBe(gatewayLeafHash(event));
  });
});
