import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, verifySignedStatement } from '../../../console/verify.js';
import { canonicalJson as sharedCanonicalJson } from '../../../shared/audit/canonical';
import { signedStatementFile, signStatement, verifyStatementFile } from '../../../shared/billing/signed';
import type { Statement } from '../../../shared/billing/statement';

const statement = {
  agencyId: 'ag_0123456789abcdef',
  agencyName: 'Sở Y tế thành phố Hà Nội',
  period: '2026-10',
  currency: 'VND',
  plans: [{ code: 'STD', version: 1, name: 'Gói tiêu chuẩn' }],
  feePlan: { code: 'STD', version: 1 },
  lines: [],
  usageVnd: 1_000,
  monthlyFeeVnd: 1_000_000,
  adjustments: [],
  adjustmentsVnd: 0,
  subtotalVnd: 1_001_000,
  vatPercent: 10,
  vatVnd: 100_100,
  totalVnd: 1_101_100,
} as unknown as Statement;

type Jwks = { keys: Record<string, unknown>[] };
let file: string;
let jwks: Jwks;
let otherJwks: Jwks;

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    key: { kid, key: privateKey },
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

beforeAll(async () => {
  const gateway = await keyPair('k-2026-11');
  const other = await keyPair('k-2026-11');
  file = signedStatementFile(await signStatement(statement, '2026-11-01T00:10:00.000Z', gateway.key));
  jwks = { keys: [gateway.jwk] };
  otherJwks = { keys: [other.jwk] };
});

const rejects = (text: string, keys: Jwks) =>
  verifySignedStatement(text, keys).then(
    () => 'verified',
    (e) => e.code,
  );

describe('statement verification in the browser (WebCrypto)', () => {
  it('canonicalises JSON exactly as the gateway does', () => {
    const value = { b: [1, { z: 'ầ', a: null }], a: 'x', c: undefined, d: { y: true, x: 1.5 } };
    expect(canonicalJson(value)).toBe(sharedCanonicalJson(value));
  });

  it('verifies what the gateway signed, with the same result as the offline verifier', async () => {
    const verified = await verifySignedStatement(file, jwks);
    const offline = await verifyStatementFile(new TextEncoder().encode(file), jwks as never);
    expect(verified).toEqual(offline);
    expect(verified).toMatchObject({ kid: 'k-2026-11', period: '2026-10', totalVnd: 1_101_100 });
  });

  it('refuses a file changed by a single byte, or re-serialised', async () => {
    const cheaper = file.replace('"totalVnd":1101100', '"totalVnd":1101000');
    expect(cheaper).not.toBe(file);
    expect(await rejects(cheaper, jwks)).toBe('payloadMismatch');
    expect(await rejects(JSON.stringify(JSON.parse(file), null, 2), jwks)).toBe('notCanonical');
    expect(await rejects('not json', jwks)).toBe('malformed');
  });

  it('refuses a signature from a key the gateway does not publish', async () => {
    expect(await rejects(file, otherJwks)).toBe('badSignature');
    expect(await rejects(file, { keys: [] })).toBe('unknownKey');
  });

  it('refuses a second base64url spelling of the same signature', async () => {
    const parsed = JSON.parse(file);
    const last = parsed.jws.at(-1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 64-byte signature leaves 4 unused bits in its last character: flipping one decodes to the same bytes.
    const twin = alphabet[alphabet.indexOf(last) ^ 1];
    parsed.jws = `${parsed.jws.slice(0, -1)}${twin}`;
    expect(await rejects(`${sharedCanonicalJson(parsed)}\n`, jwks)).toBe('malformed');
  });
});
