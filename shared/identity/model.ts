import { z } from 'zod';

export const OPERATIONS = ['citizen:read', 'citizen:verify', 'business:read', 'business:search'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const SCOPES = [...OPERATIONS, 'admin', 'billing:read', 'billing:close', 'audit:read'] as const;
export type Scope = (typeof SCOPES)[number];
export const ScopeSchema = z.enum(SCOPES);

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
