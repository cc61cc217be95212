import { canonicalJson, sha256Hex } from './canonical';

export type AuditKind = 'registry-call' | 'admin-action' | 'billing-action';

/**
 * One audit record: who (actor), did what (action), to whom (subject or target), when, why (purpose,
 * officer, case). Admin actions carry before/after snapshots, never a secret.
 */
export interface AuditEvent {
  id: string;
  at: string;
  kind: AuditKind;
  actor: { clientId: string; agencyId: string };
  action: string;
  /** The person or enterprise looked at (national ID or enterprise code): "who looked at me". */
  subject?: string | undefined;
  /** What an admin action changed (agency id, client id, plan code). */
  target?: string | undefined;
  purpose?: string | undefined;
  officerId?: string | undefined;
  caseId?: string | undefined;
  outcome: 'served' | 'refused' | 'done';
  status?: number | undefined;
  before?: unknown;
  after?: unknown;
  /** Hidden from the subject's own access history until this date (covert entitlement). */
  covertUntil?: string | undefined;
  /** For a registry call: how it was metered (the billing evidence the chain also protects). */
  ledger?:
    | {
        period: string;
        day: string;
        plan: string;
        planVersion: number;
        billable: boolean;
        idempotencyKey?: string | undefined;
      }
    | undefined;
  /** For an idempotent replay: the request whose entry counted and billed the call. */
  replayOf?: string | undefined;
}

/** The content hash that the chain links: changing any field of a stored event changes it. */
export const auditEventHash = (event: AuditEvent) => sha256Hex(canonicalJson(event));
