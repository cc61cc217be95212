/**
 * Offline verification of a closed statement in the browser, with WebCrypto: the same checks as
 * shared/billing/signed.ts verifyStatementFile (canonical bytes, ES256 with a key of the published JWKS,
 * payload and SHA-256 matching the statement in the file), so finance need not trust the page's server.
 */

/** Why a statement did not verify; `code` names the message (verify.<code> in i18n.js). */
export class StatementVerificationError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'StatementVerificationError';
    this.code = code;
  }
}

/** JSON with object keys sorted at every depth (as shared/audit/canonical.ts canonicalJson). */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Whether `signature` (JWS ES256: r || s, 32 bytes each, the form WebCrypto's ECDSA verify takes) signs
 * `signingInput` (`header.payload`) with the public key `jwk`; undefined if `jwk` is not a P-256 public key.
 */
export async function verifyEs256(subtle, jwk, signingInput, signature) {
  let key;
  try {
    key = await subtle.importKey(
      'jwk',
      { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
  } catch {
    return undefined;
  }
  return (
    signature.length === 64 &&
    subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, new TextEncoder().encode(signingInput))
  );
}

/**
 * The bytes of a base64url text, or undefined unless it is base64url in its one canonical spelling (a spelling
 * with stray unused bits decodes to the same bytes, so it is refused: a JWS part has one form).
 */
export function canonicalBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  let again = '';
  for (const byte of bytes) again += String.fromCharCode(byte);
  return btoa(again).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') === text ? bytes : undefined;
}

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Verifies a signed statement file (the text of GET /billing/statements/{period}/signed) against a JWKS
 * (GET /.well-known/jwks.json). Resolves to what was verified; rejects with a StatementVerificationError.
 */
export async function verifySignedStatement(fileText, jwks, subtle = globalThis.crypto.subtle) {
  const text = fileText.replace(/\n$/, '');
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StatementVerificationError('malformed', 'The file is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.jws !== 'string') {
    throw new StatementVerificationError('malformed', 'The file has no jws member.');
  }
  if (canonicalJson(parsed) !== text) {
    throw new StatementVerificationError('notCanonical', 'The file is not the canonical document.');
  }
  const parts = parsed.jws.split('.');
  if (parts.length !== 3) throw new StatementVerificationError('malformed', 'The jws is not compact.');
  const [headerPart, payloadPart, signaturePart] = parts;
  const decoded = parts.map(canonicalBase64Url);
  if (decoded.some((bytes) => bytes === undefined)) {
    throw new StatementVerificationError('malformed', 'The jws is not in canonical base64url.');
  }
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(decoded[0]));
  } catch {
    throw new StatementVerificationError('malformed', 'The jws header is not JSON.');
  }
  if (header.alg !== 'ES256') throw new StatementVerificationError('badSignature', 'Only ES256 is accepted.');
  const jwk = (jwks.keys ?? []).find((key) => key.kid === header.kid);
  if (!jwk || header.kid !== parsed.kid) {
    throw new StatementVerificationError('unknownKey', `No published key ${header.kid}.`);
  }
  const valid = await verifyEs256(subtle, jwk, `${headerPart}.${payloadPart}`, decoded[2]);
  if (valid === undefined) {
    throw new StatementVerificationError('unknownKey', 'The published key is not a P-256 key.');
  }
  if (!valid || signaturePart.length === 0) {
    throw new StatementVerificationError('badSignature', 'The signature does not verify.');
  }
  const payload = new TextDecoder().decode(decoded[1]);
  if (payload !== canonicalJson({ closedAt: parsed.closedAt, statement: parsed.statement })) {
    throw new StatementVerificationError('payloadMismatch', 'The signed payload is another statement.');
  }
  const sha256 = hex(await subtle.digest('SHA-256', new TextEncoder().encode(payload)));
  if (sha256 !== parsed.sha256) throw new StatementVerificationError('hashMismatch', 'The SHA-256 differs.');
  return {
    kid: parsed.kid,
    sha256,
    agencyId: parsed.statement.agencyId,
    period: parsed.statement.period,
    totalVnd: parsed.statement.totalVnd,
  };
}
