import { CompactSign, type CryptoKey, compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { canonicalJson, sha256Hex } from '../audit/canonical';
import { SIGNING_ALG } from '../auth/keys';
import type { Statement } from './statement';

/** A closed statement as stored and downloaded: the statement, its hash, and the gateway's signature over both. */
export interface SignedStatement {
  statement: Statement;
  closedAt: string;
  /** SHA-256 (hex) of the canonical JSON of {closedAt, statement}: the signed bytes. */
  sha256: string;
  kid: string;
  /** Compact JWS (ES256) whose payload is exactly those canonical bytes. */
  jws: string;
}

const signedContent = (statement: Statement, closedAt: string) => canonicalJson({ closedAt, statement });

export async function signStatement(
  statement: Statement,
  closedAt: string,
  key: { kid: string; key: CryptoKey },
): Promise<SignedStatement> {
  const content = signedContent(statement, closedAt);
  const jws = await new CompactSign(new TextEncoder().encode(content))
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'ndg-statement+jws', cty: 'application/json' })
    .sign(key.key);
  return { statement, closedAt, sha256: sha256Hex(content), kid: key.kid, jws };
}

/** The downloadable file: canonical JSON, so the bytes themselves are what the verifier checks. */
export const signedStatementFile = (signed: SignedStatement) => `${canonicalJson(signed)}\n`;

export class StatementVerificationError extends Error {
  override name = 'StatementVerificationError';
}

/**
 * Checks a downloaded statement file offline with the gateway's published JWKS: the file must be exactly the
 * canonical document the gateway issued (so any edited byte fails), the JWS must verify with a key of the
 * JWKS, and its payload and the SHA-256 must match the statement in the file.
 */
export async function verifyStatementFile(
  bytes: Uint8Array,
  jwks: JSONWebKeySet,
): Promise<{ kid: string; agencyId: string; period: string; totalVnd: number; sha256: string }> {
  let text: string;
  let parsed: SignedStatement;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\n$/, '');
    parsed = JSON.parse(text) as SignedStatement;
  } catch (error) {
    throw new StatementVerificationError('The file is not UTF-8 JSON.', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.jws !== 'string') {
    throw new StatementVerificationError('The file is not a signed statement (no jws member).');
  }
  if (canonicalJson(parsed) !== text) {
    throw new StatementVerificationError('The file is not byte for byte the document the gateway issued.');
  }
  // Base64url's last character can carry unused bits: a decoder ignores them, so a second spelling of the
  // same signature would verify. Only the canonical spelling of each part is accepted.
  const parts = parsed.jws.split('.');
  if (
    parts.length !== 3 ||
    parts.some((part) => Buffer.from(part, 'base64url').toString('base64url') !== part)
  ) {
    throw new StatementVerificationError('The signature is not in the canonical form the gateway issues.');
  }
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(parsed.jws, createLocalJWKSet(jwks), { algorithms: [SIGNING_ALG] });
  } catch (error) {
    throw new StatementVerificationError('The signature does not verify with the given JWKS.', {
      cause: error,
    });
  }
  if (verified.protectedHeader.kid !== parsed.kid) {
    throw new StatementVerificationError('The kid in the file is not the key that signed it.');
  }
  const payload = new TextDecoder().decode(verified.payload);
  if (payload !== signedContent(parsed.statement, parsed.closedAt)) {
    throw new StatementVerificationError('The statement in the file is not the one that was signed.');
  }
  if (sha256Hex(payload) !== parsed.sha256) {
    throw new StatementVerificationError('The SHA-256 in the file is not that of the signed statement.');
  }
  return {
    kid: parsed.kid,
    agencyId: parsed.statement.agencyId,
    period: parsed.statement.period,
    totalVnd: parsed.statement.totalVnd,
    sha256: parsed.sha256,
  };
}
