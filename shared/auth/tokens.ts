import { type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../errors';
import type { Entitlement, Operation } from '../identity/model';
import type { PlanLimits } from '../identity/plans';
import { SIGNING_ALG, type SigningKeys } from './keys';

/** RFC 9068 access-token type: a client assertion or a signed statement can never pass as an access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** What an agency may do per operation, as carried in the token (see Agency.policyVersion). */
export type TokenEntitlements = Partial<Record<Operation, { p: string[]; f?: string[]; c?: string }>>;

export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  agency: string;
  scope: string;
  /** The agency's policy version when the token was minted; a newer one makes the token stale. */
  pv: number;
  ent: TokenEntitlements;
  /** Quota and rate limit of the agency's plan version, enforced by the ledger transaction. */
  lim: PlanLimits;
  /** The agency's enforced monthly budget cap in VND, if any. */
  bud?: { cap: number } | undefined;
  jti: string;
  iat: number;
  exp: number;
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

/** One token signer and one verifier for the whole gateway. */
export class TokenService {
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
    limits: PlanLimits;
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
      lim: subject.limits,
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
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          if (header.alg !== SIGNING_ALG)
            throw new InvalidTokenError(`algorithm ${header.alg} is not accepted`);
          if (!header.kid) throw new InvalidTokenError('the token names no key (kid)');
          const key = await this.keys.verificationKey(header.kid);
          if (!key) throw new InvalidTokenError('the token is signed with a key the gateway does not know');
          return key;
        },
        {
          algorithms: [SIGNING_ALG],
          issuer: this.options.issuer,
          audience: this.options.audience,
          typ: ACCESS_TOKEN_TYP,
          currentDate: this.options.now(),
          clockTolerance: 5,
          requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti'],
        },
      );
      if (typeof payload.client_id !== 'string' || typeof payload.agency !== 'string') {
        throw new InvalidTokenError('the token lacks the gateway claims');
      }
      return payload as AccessTokenClaims;
    } catch (error) {
      throw invalidToken(describe(error));
    }
  }
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

/** A 401 with the RFC 6750 challenge. */
export function invalidToken(detail: string): UnauthorizedError {
  return new UnauthorizedError(detail, {
    headers: {
      'WWW-Authenticate': `Bearer realm="national-data-gateway", error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`,
    },
  });
}
