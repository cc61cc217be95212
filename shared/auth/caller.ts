import type { AccessTokenClaims } from './tokens';

/** Who is calling, once a bearer token has been verified. */
export interface Caller {
  clientId: string;
  agencyId: string;
  scopes: string[];
  /** The verified token's own claims, for policy the token carries (entitlements, limits, policy version). */
  claims: AccessTokenClaims;
}
