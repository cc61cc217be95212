import { canonicalJson } from './canonical';
import { leafHash, toHex } from './merkle';

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
  /** For a registry call: how it was metered (the billing evidence the log also protects). */
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
  /** For a refused attempt: the problem type and detail it was answered with. */
  reason?: string | undefined;
  /** For the record standing for a minute's refusals beyond those recorded (shared/audit/refusals.ts). */
  refusals?: { minute: string; recorded: number } | undefined;
}

/** The event as the store keeps it and gives it back: plain JSON (undefined members dropped). */
export const storedEvent = (event: AuditEvent): AuditEvent => JSON.parse(JSON.stringify(event)) as AuditEvent;

/** The bytes the audit log commits to: the canonical JSON of the stored event, UTF-8. */
export const recordBytes = (event: AuditEvent) => new TextEncoder().encode(canonicalJson(storedEvent(event)));

/** The record's RFC 9162 leaf hash, SHA-256(0x00 || bytes), lowercase hex: the caller's receipt. */
export const recordLeafHash = (event: AuditEvent) => toHex(leafHash(recordBytes(event)));
