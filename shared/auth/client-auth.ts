import { type CryptoKey, generateKeyPair, importJWK, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { OAuthError } from '../errors';
import {
  type Agency,
  assertionAlgorithms,
  CLIENT_ID_PATTERN,
  type Credential,
  type Entitlement,
} from '../identity/model';
import type { ControlRepository } from '../identity/repository';
import { hashSecret, verifySecret } from '../identity/secrets';
import type { Logger } from '../log';
import { basicChallenge } from './challenge';

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

// A hash to verify against when the client does not exist, so an unknown id costs the same time as a known one.
let decoyHash: Promise<string> | undefined;
// The same for assertions: a signature check against a key nobody holds (an EC P-256 one, the usual client key).
let decoyKey: Promise<CryptoKey> | undefined;

async function verifyWithDecoyKey(assertion: string): Promise<void> {
  decoyKey ??= generateKeyPair('ES256').then((pair) => pair.publicKey);
  await jwtVerify(assertion, await decoyKey, { algorithms: ['ES256'] }).catch(() => undefined);
}

export interface ClientAuthDeps {
  control: ControlRepository;
  issuer: string;
  now: () => Date;
  /** Where the reason of each refusal goes: the operator's log, never the answer. */
  logger: Logger;
}

/**
 * The one answer to every client authentication failure, whatever the method and the reason (unknown client,
 * wrong secret, bad signature, expired or replayed assertion, revoked credential): telling them apart would let
 * anyone probe which client ids exist and how they authenticate. The reason is logged for the operator.
 */
export const CLIENT_AUTHENTICATION_FAILED = 'Client authentication failed.';

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
  // Only an existing client's id is logged: an unknown "id" may be a secret pasted into the wrong field.
  const fail = (reason: string, known?: Credential) => {
    deps.logger.info('client authentication failed', {
      method: input.method,
      ...(known ? { clientId: known.clientId } : {}),
      reason,
    });
    return new OAuthError(
      'invalid_client',
      CLIENT_AUTHENTICATION_FAILED,
      challengeBasic ? { 'WWW-Authenticate': basicChallenge() } : {},
    );
  };

  if (input.method === 'private_key_jwt') {
    const clientId = input.clientId ?? unverifiedIssuer(input.assertion);
    if (!clientId) throw fail('the client assertion names no client (iss)');
    if (!CLIENT_ID_PATTERN.test(clientId)) throw fail('the client id is malformed');
    const credential = await deps.control.getCredential(clientId);
    if (credential?.authMethod !== 'private_key_jwt' || !credential.publicJwk) {
      await verifyWithDecoyKey(input.assertion);
      if (!credential) throw fail('no such client');
      throw fail('the client has no registered key (it uses a secret)', credential);
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
    if (!credential) throw fail('no such client');
    throw fail(
      credential.authMethod !== 'client_secret'
        ? 'the client uses private_key_jwt, not a secret'
        : 'the client has no unexpired secret (revoked, or past its rotation overlap)',
      credential,
    );
  }
  const results = await Promise.all(candidates.map((s) => verifySecret(input.secret, s.hash)));
  if (!results.some(Boolean)) throw fail('wrong secret', credential);
  return finish(deps, credential, input.method, fail);
}

async function finish(
  deps: ClientAuthDeps,
  credential: Credential,
  method: ClientAuthInput['method'],
  fail: (reason: string, known?: Credential) => OAuthError,
): Promise<AuthenticatedClient> {
  if (credential.status !== 'active') throw fail('the credential is revoked', credential);
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
  fail: (reason: string, known?: Credential) => OAuthError,
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
    if (error instanceof joseErrors.JWTExpired) throw fail('the client assertion has expired', credential);
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      throw fail(`the client assertion's ${error.claim} claim is not accepted`, credential);
    }
    throw fail('the client assertion does not verify with the registered key', credential);
  }
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const exp = Number(payload.exp);
  if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw fail(
      `the client assertion lives longer than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`,
      credential,
    );
  }
  const jti = String(payload.jti);
  if (jti.length > 128) throw fail('the client assertion jti is longer than 128 characters', credential);
  if (!(await deps.control.rememberAssertionId(credential.clientId, jti, exp + 60))) {
    throw fail('the client assertion was already used (jti replay)', credential);
  }
}
