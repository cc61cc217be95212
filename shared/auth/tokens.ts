import { type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AgencySuspendedError, UnauthorizedError } from '../errors';
import type { Entitlement, Operation } from '../identity/model';
import type { Limits } from '../identity/plans';
import { bearerChallenge } from './challenge';
import { SIGNING_ALG, type SigningKeys } from './keys';

/** RFC 9068 access-token type: a client assertion or a signed statement can never pass as an access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** What an agency may do per operation, as carried in the token (see Agency.policyVersion). */
export type TokenEntitlements = Partial<Record<Operation, { p: string[]; f?: string[]; c?: string }>>;

/**
 * The limits as a token carries them, under short names: tokens stay small, and tokens already issued stay valid.
 * Mapped to and from Limits here only, when a token is issued and when it is verified.
 */
export interface LimitClaim {
  plan: string;
  v: number;
  q: number;
  r: number;
  b: number;
  n?: number | undefined;
}

const toLimitClaim = (limits: Limits): LimitClaim => ({
  plan: limits.plan,
  v: limits.planVersion,
  q: limits.monthlyQuota,
  r: limits.ratePerSecond,
  b: limits.burst,
  ...(limits.lanes !== undefined ? { n: limits.lanes } : {}),
});

const fromLimitClaim = (claim: LimitClaim): Limits => ({
  plan: claim.plan,
  planVersion: claim.v,
  monthlyQuota: claim.q,
  ratePerSecond: claim.r,
  burst: claim.b,
  ...(claim.n !== undefined ? { lanes: claim.n } : {}),
});

/** The claims of an access token but its limits, alike as signed and as the gateway reads them. */
interface GatewayClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  agency: string;
  scope: string;
  /** The agency's policy version when the token was minted; a newer one makes the token stale. */
  pv: number;
  ent: TokenEntitlements;
  /** The agency's enforced monthly budget cap in VND, if any. */
  bud?: { cap: number } | undefined;
  jti: string;
  iat: number;
  exp: number;
}

/** An access token's payload as it is signed. */
export interface AccessTokenPayload extends GatewayClaims {
  /** Quota and rate limit of the agency's plan version, enforced by the ledger transaction. */
  lim: LimitClaim;
}

/** A verified access token's claims as the gateway reads them: its `lim` claim expanded into `limits`. */
export interface AccessTokenClaims extends GatewayClaims {
  /** Quota and rate limit of the agency's plan version, enforced by the ledger transaction. */
  limits: Limits;
}

export interface TokenServiceOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => Date;
}

export function compactEntitlements(entitlements: Entitlement[]): TokenEntitlements {
  const out: TokenEntitlements = {};
  for (const e of entitlements) {
    out[e.operation] = {
      p: e.purposes,
      ...(e.fields ? { f: e.fields } : {}),
      ...(e.covertUntil ? { c: e.covertUntil } : {}),
    };
  }
  return out;
}

/** Seconds of clock skew accepted on exp and nbf, by jose and by the verified-token cache alike. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * How many verified tokens one process remembers. A client reuses its token for its whole lifetime (10 min),
 * so nearly every brokered call presents a token this process has already verified; an ES256 verification
 * costs ~0.2 ms of CPU, a lookup nothing. At ~1 KB a token the cache stays under ~5 MB.
 */
const VERIFIED_CACHE_SIZE = 5_000;

interface VerifiedToken {
  claims: AccessTokenClaims;
  kid: string;
}

/** One token signer and one verifier for the whole gateway. */
export class TokenService {
  /** Exact token strings whose signature, typ, iss and aud verified; exp/nbf and the key are checked each use. */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: TokenServiceOptions,
  ) {}

  async issue(subject: {
    clientId: string;
    agencyId: string;
    scopes: string[];
    policyVersion: number;
    entitlements: TokenEntitlements;
    limits: Limits;
    budget?: { capVnd: number; enforce: boolean } | undefined;
  }): Promise<{ token: string; expiresIn: number }> {
    const { kid, key } = await this.keys.signingKey();
    const iat = Math.floor(this.options.now().getTime() / 1000);
    const token = await new SignJWT({
      client_id: subject.clientId,
      agency: subject.agencyId,
      scope: subject.scopes.join(' '),
      pv: subject.policyVersion,
      ent: subject.entitlements,
      lim: toLimitClaim(subject.limits),
      ...(subject.budget?.enforce ? { bud: { cap: subject.budget.capVnd } } : {}),
    })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(subject.clientId)
      .setJti(crypto.randomUUID())
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + this.options.ttlSeconds)
      .sign(key);
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /**
   * Verifies signature (ES256 with a gateway key named by kid, nothing else), typ, iss, aud, exp and nbf.
   * Any failure is a 401 with a Bearer challenge; the detail says what was wrong without echoing the token.
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = await this.fromCache(token);
    if (cached) return cached;
    try {
      let kid = '';
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          if (header.alg !== SIGNING_ALG)
            throw new InvalidTokenError(`algorithm ${header.alg} is not accepted`);
          if (!header.kid) throw new InvalidTokenError('the token names no key (kid)');
          const key = await this.keys.verificationKey(header.kid);
          if (!key) throw new InvalidTokenError('the token is signed with a key the gateway does not know');
          kid = header.kid;
          return key;
        },
        {
          algorithms: [SIGNING_ALG],
          issuer: this.options.issuer,
          audience: this.options.audience,
          typ: ACCESS_TOKEN_TYP,
          currentDate: this.options.now(),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti'],
        },
      );
      if (
        typeof payload.client_id !== 'string' ||
        typeof payload.agency !== 'string' ||
        typeof payload.lim !== 'object' ||
        payload.lim === null
      ) {
        throw new InvalidTokenError('the token lacks the gateway claims');
      }
      const { lim, ...rest } = payload as AccessTokenPayload;
      // Frozen: the same claims object answers every later request with this token.
      const claims = deepFreeze({ ...rest, limits: fromLimitClaim(lim) });
      this.remember(token, { claims, kid });
      return claims;
    } catch (error) {
      throw invalidToken(describe(error));
    }
  }

  /**
   * A token verified before, if it is still within exp/nbf and its key is still one the gateway verifies with
   * (a key dropped by rotation ends its tokens here as it does in jwtVerify). Anything else goes the full way,
   * so every refusal is explained by jose's checks.
   */
  private async fromCache(token: string): Promise<AccessTokenClaims | undefined> {
    const hit = this.verified.get(token);
    if (!hit) return undefined;
    const now = this.options.now().getTime() / 1000;
    const { exp, nbf } = hit.claims;
    const timely =
      now < exp + CLOCK_TOLERANCE_SECONDS && (nbf === undefined || now >= nbf - CLOCK_TOLERANCE_SECONDS);
    if (timely && (await this.keys.verificationKey(hit.kid))) return hit.claims;
    this.verified.delete(token);
    return undefined;
  }

  private remember(token: string, entry: VerifiedToken): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // Oldest first (a Map keeps insertion order): those are the tokens closest to expiry.
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, entry);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

function describe(error: unknown): string {
  if (error instanceof InvalidTokenError) return `The access token is invalid: ${error.message}.`;
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired; request a new one.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The access token is not valid yet.';
    return `The access token is invalid: claim ${error.claim} is not accepted.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'The access token signature does not verify.';
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The access token is invalid: algorithm not accepted.';
  return 'The access token is malformed or invalid.';
}

/**
 * The one liveness rule for a token, against its credential and agency read consistently (the admin routes'
 * guard and the registry's first round trip alike). A token that is no longer valid (its credential revoked,
 * its agency's policy changed since it was minted) is RFC 6750 `invalid_token`, a 401: OAuth client libraries
 * get a new token on a 401. A suspended agency's token is still valid, but access is forbidden: a 403 with its
 * own problem type (a new token would be refused too, so no client should retry).
 */
export function assertTokenLive(
  token: { agencyId: string; policyVersion: number },
  credential: { status?: unknown } | undefined,
  agency: { status?: unknown; policyVersion?: unknown } | undefined,
): void {
  if (credential?.status !== 'active') {
    throw invalidToken('The credential this token was issued to has been revoked.');
  }
  if (!agency) throw invalidToken(`Agency ${token.agencyId} no longer exists.`);
  if (agency.status !== 'active') throw new AgencySuspendedError(token.agencyId);
  if (agency.policyVersion !== token.policyVersion) {
    throw invalidToken(
      `Agency ${token.agencyId}'s entitlements, plan or budget changed after this token was issued: request a new token.`,
    );
  }
}

/** A 401 with the RFC 6750 challenge. */
export function invalidToken(detail: string): UnauthorizedError {
  return new UnauthorizedError(detail, {
    headers: {
      'WWW-Authenticate': bearerChallenge({ error: 'invalid_token', description: detail }),
    },
  });
}
