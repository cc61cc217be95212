import type { JWK } from 'jose';
import { z } from 'zod';

/**
 * The registers the gateway brokers: what a problem calls each one, and the operations an entitlement to it can
 * grant. A new register starts here; its record is then shared/registry/model.ts, schemas.ts and operations.ts,
 * and its routes functions/registry/routes.ts (the provider settings, the providers and the CDK context keys
 * follow from this list).
 */
export const REGISTERS = {
  population: { label: 'population register', operations: ['citizen:read', 'citizen:verify'] },
  business: { label: 'business register', operations: ['business:read', 'business:search'] },
} as const;
export type RegisterName = keyof typeof REGISTERS;
export const REGISTER_NAMES = Object.keys(REGISTERS) as RegisterName[];

export type Operation = (typeof REGISTERS)[RegisterName]['operations'][number];
/** Every operation, register by register: what entitlements, prices and the ledger's counters are kept for. */
export const OPERATIONS = Object.values(REGISTERS).flatMap((register) => register.operations) as [
  Operation,
  ...Operation[],
];

/** Scopes over the whole platform (administration, billing, the audit trail): the operator agency's only. */
export const PLATFORM_SCOPES = ['admin', 'billing:read', 'billing:close', 'audit:read'] as const;
/**
 * Scopes any agency's credential may hold without an entitlement: they read the agency's own account (its plan,
 * usage, statements and calls under /me), never another agency's, and are neither an operation nor a platform scope.
 */
export const AGENCY_SCOPES = ['self:read'] as const;
/** The platform operator's agency (NDG-OPS): the only one never suspended, and whose credentials administer. */
export const PLATFORM_AGENCY_ID = 'ag_platform';
/**
 * Whether a credential of `agencyId` may hold `scope` at all: a platform scope reads or changes every agency's
 * data, so the operator agency's credentials only. The one rule the admin API (issuing) and the token endpoint
 * (granting) both apply; operations also need an entitlement, which each checks against its own reading.
 */
export const mayHoldScope = (agencyId: string, scope: string): boolean =>
  !(PLATFORM_SCOPES as readonly string[]).includes(scope) || agencyId === PLATFORM_AGENCY_ID;
export const SCOPES = [...OPERATIONS, ...PLATFORM_SCOPES, ...AGENCY_SCOPES] as const;
export type Scope = (typeof SCOPES)[number];
export const ScopeSchema = z.enum(SCOPES);

/** The shape of every client id (issued `ndgc_…`, or a bootstrap admin id chosen by the operator). */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;

export type AgencyStatus = 'active' | 'suspended';

export interface Agency {
  id: string;
  code: string;
  name: string;
  status: AgencyStatus;
  /**
   * Bumped on every change that narrows what the agency may do (status, entitlements, plan). Tokens carry
   * the version they were minted under; the ledger transaction refuses a token whose version is stale.
   */
  policyVersion: number;
  planCode?: string | undefined;
  /** The plan version the agency's calls are priced and limited by (moves with each new plan version). */
  planVersion?: number | undefined;
  /**
   * How many lanes the agency's month counter and rate window are split over (shared/ledger/lanes.ts). Set from
   * the plan's rate when a plan is assigned or changes, and never lowered: the period's counters are summed over
   * this many lanes, so a lane once written must stay counted. Absent: DEFAULT_LANES.
   */
  ledgerLanes?: number | undefined;
  /** A monthly budget cap in VND (VAT included), watched by finance and, if `enforce`, refused past. */
  budget?: { capVnd: number; enforce: boolean } | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface StoredSecret {
  hash: string;
  createdAt: string;
  /** Set when a rotation retires this secret: it keeps working until then (the overlap window). */
  expiresAt?: string | undefined;
}

export type CredentialStatus = 'active' | 'revoked';
export type ClientAuthMethod = 'client_secret' | 'private_key_jwt';

export interface Credential {
  clientId: string;
  agencyId: string;
  scopes: Scope[];
  status: CredentialStatus;
  authMethod: ClientAuthMethod;
  secrets: StoredSecret[];
  publicJwk?: Record<string, unknown> | undefined;
  createdAt: string;
  updatedAt: string;
  revokedAt?: string | undefined;
}

/**
 * The algorithms a client assertion signed with a credential's registered key may use, by the key's type:
 * asymmetric only, never HS*, never none. None for a key type a credential may not register.
 */
export function assertionAlgorithms(jwk: JWK): string[] {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return ['ES256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return ['ES384'];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA', 'Ed25519'];
  if (jwk.kty === 'RSA') return ['RS256', 'PS256'];
  return [];
}

/** A credential as admins see it: never a secret or its hash. */
export type CredentialView = Omit<Credential, 'secrets'> & { secretCount: number; secretsExpiring: string[] };

export function toCredentialView(credential: Credential): CredentialView {
  const { secrets, ...rest } = credential;
  return {
    ...rest,
    secretCount: secrets.length,
    secretsExpiring: secrets.flatMap((s) => (s.expiresAt ? [s.expiresAt] : [])),
  };
}

/** Purpose codes: the administrative procedure (or other legal basis) a call serves, e.g. `1.001234`. */
export const PurposeSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
    'a purpose code is 1-64 letters, digits, dot, colon, dash or underscore',
  );

/**
 * Officer and case ids (X-Officer-Id, X-Case-Id) are recorded with a call and searched by: short, printable, no
 * spaces. One rule for the registry headers and the self-service filters.
 */
export const traceId = (what: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9._:/-]{1,64}$/,
      `${what} is 1-64 letters, digits, dot, colon, slash, dash or underscore`,
    );

/** What an agency may do with one operation: for which purposes, and which fields it may receive. */
export const EntitlementSchema = z.object({
  operation: z.enum(OPERATIONS),
  /** Fields the agency may receive; absent means every field of the record. */
  fields: z.array(z.string().min(1).max(64)).max(50).optional(),
  purposes: z.array(PurposeSchema).min(1).max(100),
  /** Lookups under this entitlement are hidden from the subject's access history until this date. */
  covertUntil: z.iso.date().optional(),
});
export type Entitlement = z.infer<typeof EntitlementSchema>;
