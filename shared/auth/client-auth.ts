import { importJWK, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { OAuthError } from '../errors';
import { type Agency, CLIENT_ID_PATTERN, type Credential, type Entitlement } from '../identity/model';
import type { ControlRepository } from '../identity/repository';
import { hashSecret, verifySecret } from '../identity/secrets';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A client assertion may live at most this long: it bounds how long its jti must be remembered. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export type ClientAuthInput =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId?: string | undefined; assertion: string };

export interface AuthenticatedClient {
  credential: Credential;
  agency: Agency;
  entitlements: Entitlement[];
  method: ClientAuthInput['method'];
}

/** Asymmetric algorithms only, chosen by the registered key's type: never HS*, never none. */
export function assertionAlgorithms(jwk: JWK): string[] {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return ['ES256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return ['ES384'];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA', 'Ed25519'];
  if (jwk.kty === 'RSA') return ['RS256', 'PS256'];
  return [];
}

// A hash to verify against when the client does not exist, so an unknown id costs the same time as a known one.
let decoyHash: Promise<string> | undefined;

export interface ClientAuthDeps {
  control: ControlRepository;
  issuer: string;
  now: () => Date;
}

/**
 * Authenticates an OAuth client by secret (constant-time scrypt comparison, any unexpired secret during a
 * rotation overlap) or by private_key_jwt (RFC 7523: iss = sub = client id, aud = this token endpoint or
 * issuer, short-lived, jti never reused). Every failure is the same `invalid_client`.
 */
export async function authenticateClient(
  deps: ClientAuthDeps,
  input: ClientAuthInput,
  challengeBasic: boolean,
): Promise<AuthenticatedClient> {
  const fail = (description: string) =>
    new OAuthError(
      'invalid_client',
      description,
      challengeBasic ? { 'WWW-Authenticate': 'Basic realm="national-data-gateway", charset="UTF-8"' } : {},
    );

  if (input.method === 'private_key_jwt') {
    const clientId = input.clientId ?? unverifiedIssuer(input.assertion);
    if (!clientId) throw fail('The client assertion names no client (iss).');
    if (!CLIENT_ID_PATTERN.test(clientId)) throw fail('Client authentication failed.');
    const credential = await deps.control.getCredential(clientId);
    if (credential?.authMethod !== 'private_key_jwt' || !credential.publicJwk) {
      throw fail('Client authentication failed.');
    }
    await verifyAssertion(deps, credential, input.assertion, fail);
    return finish(deps, credential, input.method, fail);
  }

  const credential = CLIENT_ID_PATTERN.test(input.clientId)
    ? await deps.control.getCredential(input.clientId)
    : undefined;
  const now = deps.now().toISOString();
  const candidates = (credential?.secrets ?? []).filter((s) => !s.expiresAt || s.expiresAt > now);
  if (credential?.authMethod !== 'client_secret' || candidates.length === 0) {
    decoyHash ??= hashSecret('decoy');
    await verifySecret(input.secret, await decoyHash);
    throw fail('Client authentication failed.');
  }
  const results = await Promise.all(candidates.map((s) => verifySecret(input.secret, s.hash)));
  if (!results.some(Boolean)) throw fail('Client authentication failed.');
  return finish(deps, credential, input.method, fail);
}

async function finish(
  deps: ClientAuthDeps,
  credential: Credential,
  method: ClientAuthInput['method'],
  fail: (d: string) => OAuthError,
): Promise<AuthenticatedClient> {
  if (credential.status !== 'active') throw fail('This client credential has been revoked.');
  const { agency, entitlements } = await deps.control.getAgencyWithEntitlements(credential.agencyId);
  if (agency?.status !== 'active') {
    throw new OAuthError(
      'unauthorized_client',
      `Agency ${credential.agencyId} is suspended; no tokens are issued.`,
    );
  }
  return { credential, agency, entitlements, method };
}

function unverifiedIssuer(assertion: string): string | undefined {
  try {
    const payload = assertion.split('.')[1];
    if (!payload) return undefined;
    const iss = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    return typeof iss === 'string' && iss.length <= 128 ? iss : undefined;
  } catch {
    return undefined;
  }
}

async function verifyAssertion(
  deps: ClientAuthDeps,
  credential: Credential,
  assertion: string,
  fail: (d: string) => OAuthError,
): Promise<void> {
  const jwk = credential.publicJwk as JWK;
  const algorithms = assertionAlgorithms(jwk);
  let payload: { jti?: unknown; exp?: unknown };
  try {
    const key = await importJWK(jwk, algorithms[0]);
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms,
      issuer: credential.clientId,
      subject: credential.clientId,
      audience: [`${deps.issuer}/oauth/token`, deps.issuer],
      currentDate: deps.now(),
      clockTolerance: 5,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw fail('The client assertion has expired.');
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      throw fail(`The client assertion's ${error.claim} claim is not accepted.`);
    }
    throw fail('The client assertion does not verify with the registered key.');
  }
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const exp = Number(payload.exp);
  if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw fail(`The client assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} seconds.`);
  }
  const jti = String(payload.jti);
  if (jti.length > 128) throw fail('The client assertion jti is too long.');
  if (!(await deps.control.rememberAssertionId(credential.clientId, jti, exp + 60))) {
    throw fail('The client assertion was already used (jti replay).');
  }
}
