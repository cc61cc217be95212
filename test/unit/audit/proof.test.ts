import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_TYPE,
  CheckpointVerificationError,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from '../../../shared/audit/checkpoint';
import {
  CompactRange,
  evaluatePlan,
  inclusionProofPlan,
  leafHash,
  type NodeRef,
  toHex,
} from '../../../shared/audit/merkle';
import { type AuditProof, AuditProofError, verifyAuditProof } from '../../../shared/audit/proof';
import { signStatement } from '../../../shared/billing/signed';
import type { Statement } from '../../../shared/billing/statement';

const ORIGIN = 'gateway.example.gov.vn/audit';
const TIMESTAMP = '2026-11-02T03:04:05.678Z';
const SIZE = 37;
const LEAF = 21;

type Key = Awaited<ReturnType<typeof keyPair>>;

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

let gateway: Key;
let other: Key;
let jwks: JSONWebKeySet;
let checkpoint: SignedCheckpoint;
let proof: AuditProof;

beforeAll(async () => {
  gateway = await keyPair('ndg-2026-11-01-a1b2c3d4');
  other = await keyPair('ndg-2026-11-01-ffffffff');
  jwks = { keys: [gateway.jwk] };
  checkpoint = await signCheckpoint(
    { origin: ORIGIN, treeSize: SIZE, rootHash, timestamp: TIMESTAMP },
    gateway.key,
  );
  proof = {
    leafIndex: LEAF,
    treeSize: SIZE,
    leafHash: toHex(leaves[LEAF]!),
    auditPath: evaluatePlan(inclusionProofPlan(LEAF, SIZE), lookup).map(toHex),
    checkpoint,
  };
});

const flip = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

async function failure(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    return error as Error & { code: string };
  }
  throw new Error('it verified');
}

const codeOf = async (candidate: SignedCheckpoint, keys: JSONWebKeySet = jwks) =>
  (await failure(() => verifyCheckpoint(candidate, keys))).code;

describe('signed checkpoints', () => {
  it('sign the canonical body with the gateway key, explicitly typed', async () => {
    const [header, payload] = checkpoint.jws.split('.') as [string, string];
    expect(decode(header)).toEqual({ alg: 'ES256', kid: gateway.key.kid, typ: CHECKPOINT_TYPE });
    expect(Buffer.from(payload, 'base64url').toString('utf8')).toBe(
      `{"origin":"${ORIGIN}","rootHash":"${rootHash}","timestamp":"${TIMESTAMP}","treeSize":${SIZE}}`,
    );
    expect(checkpoint).toEqual({ treeSize: SIZE, rootHash, timestamp: TIMESTAMP, jws: checkpoint.jws });
  });

  it('verify with the JWKS, giving the signed body and the key', async () => {
    expect(await verifyCheckpoint(checkpoint, jwks, { origin: ORIGIN })).toEqual({
      origin: ORIGIN,
      treeSize: SIZE,
      rootHash,
      timestamp: TIMESTAMP,
      kid: gateway.key.kid,
    });
  });

  it('refuses a field that is not the signed one, naming it', async () => {
    for (const [field, changed] of [
      ['treeSize', { ...checkpoint, treeSize: SIZE + 1 }],
      ['rootHash', { ...checkpoint, rootHash: flip(rootHash) }],
      ['timestamp', { ...checkpoint, timestamp: '2026-11-02T03:04:06.678Z' }],
    ] as const) {
      const error = await failure(() => verifyCheckpoint(changed, jwks));
      expect(error).toBeInstanceOf(CheckpointVerificationError);
      expect(error.code).toBe('payloadMismatch');
      expect(error.message).toContain(field);
    }
  });

  it('refuses an unknown key, another key under the same kid, and another log', async () => {
    expect(await codeOf(checkpoint, { keys: [other.jwk] })).toBe('unknownKey');
    expect(await codeOf(checkpoint, { keys: [] })).toBe('unknownKey');
    expect(await codeOf(checkpoint, { keys: [{ ...other.jwk, kid: gateway.key.kid }] })).toBe('badSignature');
    const elsewhere = await failure(() => verifyCheckpoint(checkpoint, jwks, { origin: 'staging/audit' }));
    expect(elsewhere.code).toBe('wrongOrigin');
  });

  it('refuses another JWS the same key signs: a billing statement, or an untyped body', async () => {
    const statement = await signStatement(
      { agencyId: 'ag_1' } as unknown as Statement,
      TIMESTAMP,
      gateway.key,
    );
    expect(await codeOf({ ...checkpoint, jws: statement.jws })).toBe('wrongType');
    const body = { origin: ORIGIN, treeSize: SIZE, rootHash, timestamp: TIMESTAMP };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const sign = (header: Record<string, string>) =>
      new CompactSign(bytes).setProtectedHeader({ alg: 'ES256', ...header }).sign(gateway.key.key);
    expect(await codeOf({ ...checkpoint, jws: await sign({ kid: gateway.key.kid }) })).toBe('wrongType');
    // The right type and key, but a payload that is not canonical JSON: not what the gateway signs.
    const unsorted = await sign({ kid: gateway.key.kid, typ: CHECKPOINT_TYPE });
    expect(await codeOf({ ...checkpoint, jws: unsorted })).toBe('malformed');
  });

  it('refuses alg none or HS256, a header that is not an object, and a second spelling of the signature', async () => {
    const [, payload] = checkpoint.jws.split('.');
    const header = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${header({ alg: 'none', kid: gateway.key.kid, typ: CHECKPOINT_TYPE })}.${payload}.`;
    expect(await codeOf({ ...checkpoint, jws: none })).toBe('malformed');
    const hmac = `${header({ alg: 'HS256', kid: gateway.key.kid, typ: CHECKPOINT_TYPE })}.${payload}.c2ln`;
    expect(await codeOf({ ...checkpoint, jws: hmac })).toBe('badSignature');
    expect(await codeOf({ ...checkpoint, jws: `${header(null)}.${payload}.c2ln` })).toBe('malformed');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 64-byte signature leaves 4 unused bits in its last character: flipping one decodes to the same bytes.
    const twin = `${checkpoint.jws.slice(0, -1)}${alphabet[alphabet.indexOf(checkpoint.jws.at(-1)!) ^ 1]}`;
    expect(await codeOf({ ...checkpoint, jws: twin })).toBe('malformed');
    expect(await codeOf({ ...checkpoint, jws: 'a.b' })).toBe('malformed');
  });

  it('signs only a well-formed body', async () => {
    const body = { origin: ORIGIN, treeSize: SIZE, rootHash: rootHash.toUpperCase(), timestamp: TIMESTAMP };
    await expect(signCheckpoint(body, gateway.key)).rejects.toThrow();
    await expect(
      signCheckpoint({ ...body, rootHash, timestamp: 'yesterday' }, gateway.key),
    ).rejects.toThrow();
  });
});

describe('audit proof verification (offline)', () => {
  it('verifies a leaf under the signed checkpoint, with and without the receipt', async () => {
    const expected = {
      leafIndex: LEAF,
      treeSize: SIZE,
      leafHash: toHex(leaves[LEAF]!),
      rootHash,
      origin: ORIGIN,
      kid: gateway.key.kid,
      timestamp: TIMESTAMP,
    };
    expect(await verifyAuditProof(proof, jwks)).toEqual(expected);
    expect(await verifyAuditProof(proof, jwks, toHex(leaves[LEAF]!).toUpperCase())).toEqual(expected);
    expect(await verifyAuditProof(JSON.parse(JSON.stringify(proof)), jwks)).toEqual(expected);
  });

  it('verifies every leaf of the tree', async () => {
    for (let i = 0; i < SIZE; i++) {
      const auditPath = evaluatePlan(inclusionProofPlan(i, SIZE), lookup).map(toHex);
      const result = await verifyAuditProof(
        { ...proof, leafIndex: i, leafHash: toHex(leaves[i]!), auditPath },
        jwks,
      );
      expect(result.leafIndex).toBe(i);
    }
  });

  const tampered: [string, () => unknown, string, string?][] = [
    ['not an object', () => 'proof', 'malformed'],
    [
      'a path element that is not a hash',
      () => ({ ...proof, auditPath: ['00', ...proof.auditPath.slice(1)] }),
      'malformed',
    ],
    ['no checkpoint', () => ({ ...proof, checkpoint: undefined }), 'malformed'],
    ['a changed leaf hash', () => ({ ...proof, leafHash: flip(proof.leafHash) }), 'notIncluded'],
    [
      'a changed path element',
      () => ({ ...proof, auditPath: proof.auditPath.map((h, i) => (i === 2 ? flip(h) : h)) }),
      'notIncluded',
    ],
    ['a neighbouring leaf index', () => ({ ...proof, leafIndex: LEAF - 1 }), 'notIncluded'],
    ['a leaf index past the tree', () => ({ ...proof, leafIndex: SIZE }), 'leafOutOfRange'],
    ['a missing path element', () => ({ ...proof, auditPath: proof.auditPath.slice(0, -1) }), 'pathLength'],
    ['a changed proof tree size', () => ({ ...proof, treeSize: SIZE + 1 }), 'treeSizeMismatch'],
    [
      'a changed tree size in proof and checkpoint',
      () => ({ ...proof, treeSize: SIZE + 1, checkpoint: { ...checkpoint, treeSize: SIZE + 1 } }),
      'payloadMismatch',
    ],
    [
      'a changed root',
      () => ({ ...proof, checkpoint: { ...checkpoint, rootHash: flip(rootHash) } }),
      'payloadMismatch',
    ],
    ['a malformed receipt', () => proof, 'receiptMalformed', 'abc'],
    ['the receipt of another record', () => proof, 'receiptMismatch', toHex(leaves[LEAF + 1]!)],
  ];

  it.each(tampered)('refuses %s, saying why', async (_, make, code, receipt) => {
    const error = await failure(() => verifyAuditProof(make(), jwks, receipt));
    expect(error).toBeInstanceOf(AuditProofError);
    expect(error.name).toBe('AuditProofError');
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it('refuses a checkpoint by an unknown key or signed by another key', async () => {
    const unknown = await failure(() => verifyAuditProof(proof, { keys: [other.jwk] }));
    expect([unknown.code, unknown.message]).toEqual(['unknownKey', expect.stringContaining(gateway.key.kid)]);
    const forged = await signCheckpoint(
      { origin: ORIGIN, treeSize: SIZE, rootHash, timestamp: TIMESTAMP },
      {
        kid: gateway.key.kid,
        key: other.key.key,
      },
    );
    const error = await failure(() => verifyAuditProof({ ...proof, checkpoint: forged }, jwks));
    expect(error.code).toBe('badSignature');
  });
});
