/**
 * Every item key and index key of the ledger table: the metering lanes, ledger entries and guards, billing's
 * statements, the audit trail with its indexes, and the Merkle log over it.
 * Existing items were written with these exact strings: a change here is a data migration, not a refactor.
 */

/** Lane items: one partition per lane, so lanes never share a partition. Bumped by the Ledger on every brokered call. */
export const laneKeys = {
  /** An agency's calls of a billing period in one lane. */
  month: (agencyId: string, period: string, lane: number) => ({
    pk: `LANE#${agencyId}#${period}#${lane}`,
    sk: 'MONTH',
  }),
  /** An agency's calls of one rate window in one lane. */
  window: (agencyId: string, windowStart: number, lane: number) => ({
    pk: `RATE#${agencyId}#${windowStart}#${lane}`,
    sk: 'WINDOW',
  }),
  /** The lane a month or window item is, read back from its key. */
  laneOf: (item: Record<string, unknown>): number => Number(String(item.pk).split('#').at(-1)),
};

/** Ledger entries, refund counters and the verification guard (lanes: see laneKeys). */
export const ledgerKeys = {
  /** One metered call by its idempotency key (or request id): written by the Ledger. */
  entry: (agencyId: string, period: string, key: string) => ({
    pk: `ENTRY#${agencyId}#${period}#${key}`,
    sk: 'ENTRY',
  }),
  /** Refund counts of a period: written by refunds (StatementRepository) only, never by a brokered call. */
  adjustments: (agencyId: string, period: string) => ({ pk: `ADJUST#${agencyId}#${period}`, sk: 'ADJUST' }),
  /**
   * Failed verifications of one subject (as a hash, never the ID) by one agency in one clock hour: bumped by the
   * Ledger when a verification fails (see verificationGuard).
   */
  verificationFailures: (agencyId: string, hashedSubject: string, hour: string) => ({
    pk: `VERIFYFAIL#${agencyId}#${hashedSubject}#${hour}`,
    sk: 'COUNT',
  }),
};

/**
 * Daily usage per agency, aggregated by the audit sealer from the records it appends (one item per agency and
 * day, written once per sealed batch, never by a brokered call): per operation and per purpose.
 */
export const usageKeys = {
  day: (agencyId: string, period: string, day: string) => ({
    pk: `USAGE#${agencyId}#${period}`,
    sk: `DAY#${day}`,
  }),
};

/** Billing's items: written by StatementRepository. */
export const billingKeys = {
  /** An agency's closed statement of one period. */
  statement: (agencyId: string, period: string) => ({ pk: `STATEMENT#${agencyId}`, sk: `PERIOD#${period}` }),
  /** gsi1 partition of one period's statements (gsi1sk: the agency id). */
  statementsOf: (period: string) => `STATEMENTS#${period}`,
  /** The marker that a period is closed. */
  close: (period: string) => ({ pk: `CLOSE#${period}`, sk: 'CLOSE' }),
  /** A refund of one billed call (by its entry key), in its agency's period. */
  reversal: (agencyId: string, period: string, entryKey: string) => ({
    pk: `REVERSAL#${agencyId}#${period}`,
    sk: entryKey,
  }),
};

/**
 * The agency index (gsi1) is spread over this many partition keys per agency: every call of an agency writes
 * one, and a single index partition takes 1,000 WCU/s, so one key would cap an agency near 1,000 calls/s and
 * a throttled index throttles the table. Readers merge the shards (shared/storage/sharded-query.ts).
 */
export const AGENCY_INDEX_SHARDS = 16;

/** A stable shard of [0, shards) for an id (FNV-1a), the same in every process. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % shards;
}

/** Audit records: written by the Ledger (with each brokered call), AuditTrail and RefusalRecorder. */
export const auditKeys = {
  /** One audit record by its id (the request id). */
  record: (id: string) => ({ pk: `AUDIT#${id}`, sk: 'AUDIT' }),
};

/** Index keys of the audit trail, carried by each audit record: by agency (gsi1, sharded), by subject or target (gsi2). */
export const auditIndexKeys = {
  agency: (agencyId: string, shard: number) => `AUDIT#AGENCY#${agencyId}#${shard}`,
  agencyShards: (agencyId: string) =>
    Array.from({ length: AGENCY_INDEX_SHARDS }, (_, s) => auditIndexKeys.agency(agencyId, s)),
  subject: (subject: string) => `AUDIT#SUBJECT#${subject}`,
  target: (target: string) => `AUDIT#TARGET#${target}`,
};

/** The index sort key (gsi1sk, gsi2sk) that orders the trail in time (ties broken by record id). */
export const auditOrder = (event: { at: string; id: string }) => `${event.at}#${event.id}`;

/** A credential's refusal counter for one minute: bumped by RefusalRecorder (the records are ordinary audit records). */
export const refusalKeys = {
  counter: (clientId: string, minute: string) => ({ pk: `REFUSALS#${clientId}#${minute}`, sk: 'COUNT' }),
};

/** The Merkle log over the audit records: written by the audit sealer (AuditLog), never by a brokered call. */
export const logKeys = {
  /** The log's state item: how far it is sealed, and its latest signed checkpoint. */
  state: { pk: 'LOG#STATE', sk: 'STATE' },
  /** One tile of the tree's hashes. */
  tile: (tile: { level: number; index: number }) => ({
    pk: `LOG#TILE#${tile.level}#${tile.index}`,
    sk: 'TILE',
  }),
  /** One bundle of leaf entries. */
  bundle: (index: number) => ({ pk: `LOG#BUNDLE#${index}`, sk: 'BUNDLE' }),
  /** The bundle index a bundle item is, read back from its key. */
  bundleOf: (item: Record<string, unknown>): number => Number(String(item.pk).slice('LOG#BUNDLE#'.length)),
  /** The leaf index of one record, by record (request) id: what a proof is looked up by. */
  leaf: (recordId: string) => ({ pk: `LEAF#${recordId}`, sk: 'LEAF' }),
  /** The record id a leaf item is, read back from its key. */
  recordOf: (item: Record<string, unknown>): string => String(item.pk).slice('LEAF#'.length),
  /** Every checkpoint, by tree size, in one partition (written once per sealed batch). */
  checkpoint: (treeSize: number) => ({ pk: 'LOG#CHECKPOINTS', sk: String(treeSize).padStart(16, '0') }),
  /** How far the log's last verification got: written by AuditLog.verify. */
  verified: { pk: 'LOG#VERIFIED', sk: 'VERIFIED' },
  /** Where the local host's feed has read each shard of the table's stream up to: written by StreamSealer. */
  feed: { pk: 'LOG#FEED', sk: 'FEED' },
};
