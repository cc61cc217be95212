import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  type CancellationReason,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent } from '../audit/model';
import { auditItem } from '../audit/trail';
import { AppError, ConflictError, ServiceUnavailableError, TooManyRequestsError } from '../errors';
import type { Operation } from '../identity/model';
import type { Limits } from '../identity/plans';
import type { Logger } from '../log';
import { batchGetAll } from '../storage/batch';
import { isDependencyUnavailable, isTransactionConflict } from '../storage/errors';
import { laneKeys, ledgerKeys } from '../storage/keys/ledger';
import { type RetryPolicy, TRANSIENT_RETRY, withRetry } from '../storage/retry';
import type { TableNames } from '../storage/tables';
import { namedItems, type TransactItem } from '../storage/transact';
import { counterNames } from './counters';
import { DEFAULT_LANES, FullLanes, laneShare, pickLanes, usableLanes } from './lanes';
import { periodOf } from './period';

/** One brokered call, as it is metered, billed and audited. */
export interface MeteredCall {
  requestId: string;
  /** The caller's Idempotency-Key: a retry with it in the same period is answered again, counted once. */
  idempotencyKey?: string | undefined;
  at: Date;
  clientId: string;
  agencyId: string;
  policyVersion: number;
  limits: Limits;
  operation: Operation;
  purpose: string;
  officerId?: string | undefined;
  caseId?: string | undefined;
  /** The national ID or enterprise code looked at (absent for a search). */
  subject?: string | undefined;
  /** What a search asked for (a search has no single subject). */
  target?: string | undefined;
  /** What was asked, hashed: an idempotency key reused for a different request is refused. */
  fingerprint: string;
  /** The HTTP status the caller gets (200 served, 404 no such record). */
  status: number;
  covertUntil?: string | undefined;
  /**
   * A verification of a subject names the agency's guard for that subject in its transaction, failed or not: a
   * failed one counts on it, and either is refused (429) once the guard holds `limit` failures, so a refusal says
   * nothing about whether the claim held (see verificationGuard).
   */
  verification?: { guard: VerificationGuard; failed: boolean } | undefined;
}

/**
 * Verifications of one subject by one agency that may fail within a clock hour before its verifications are
 * refused until the hour ends: the national ID carries the birth year, so without a bound a birth date falls to
 * at most 366 tries.
 */
export const FAILED_VERIFICATIONS_PER_HOUR = 10;

/** Failed verifications of one subject by one agency within one clock hour (an oracle guard: see README). */
export interface VerificationGuard {
  key: { pk: string; sk: string };
  agencyId: string;
  hour: string;
  limit: number;
  resetsAt: Date;
}

/** The guard of `agencyId`'s verifications of `subject` in the hour of `at`; the key holds a hash, not the ID. */
export function verificationGuard(
  agencyId: string,
  subject: string,
  at: Date,
  limit: number,
): VerificationGuard {
  const start = Math.floor(at.getTime() / 3_600_000) * 3_600_000;
  const hour = new Date(start).toISOString();
  const hashed = createHash('sha256').update(`${agencyId}\n${subject}`).digest('base64url').slice(0, 22);
  return {
    key: ledgerKeys.verificationFailures(agencyId, hashed, hour),
    agencyId,
    hour,
    limit,
    resetsAt: new Date(start + 3_600_000),
  };
}

/** The 429 of a subject whose verifications by this agency failed `limit` times this hour. */
export function verificationLimited(guard: VerificationGuard, at: Date): TooManyRequestsError {
  return new TooManyRequestsError(
    `Verifications of this subject by agency ${guard.agencyId} failed ${guard.limit} times within the hour; further verifications of it are refused until ${guard.resetsAt.toISOString()}.`,
    Math.max(1, Math.ceil((guard.resetsAt.getTime() - at.getTime()) / 1000)),
    {
      extensions: {
        limit: 'failed-verifications',
        failures: guard.limit,
        resetsAt: guard.resetsAt.toISOString(),
      },
    },
  );
}

/** How a call was written, with the leaf hash of the audit record it wrote (the caller's receipt). */
export type Commit =
  | { outcome: 'committed'; leafHash: string; usage: UsageEstimate }
  | { outcome: 'replayed'; originalRequestId: string; leafHash: string; usage: UsageEstimate };

/** The remaining monthly quota and window burst, as far as the lanes this call saw tell (see estimate()). */
export interface UsageEstimate {
  quotaLeft: number;
  windowLeft: number;
}

/**
 * What the first round trip read of an agency's lanes: calls per month lane, calls per window lane, and the
 * caps a mid-period change of the agency's limits set on month lanes (see capLanes).
 */
export interface LaneReading {
  month: Map<number, number>;
  window: Map<number, number>;
  caps?: Map<number, number>;
}

/**
 * A fixed window of ceil(burst / perSecond) seconds admitting `burst` calls: the long-run rate never exceeds
 * perSecond, a full burst is available at each window start, and at a window boundary at most 2 x burst
 * calls can pass within one window's length (the usual fixed-window edge; stated in the README).
 */
export function rateWindow(limits: Pick<Limits, 'ratePerSecond' | 'burst'>, at: Date) {
  const seconds = Math.max(1, Math.ceil(limits.burst / limits.ratePerSecond));
  const epoch = Math.floor(at.getTime() / 1000);
  const start = epoch - (epoch % seconds);
  return { seconds, start, resetsIn: start + seconds - epoch };
}

/** Attempts of one call's transaction, and how long they may take, before it is answered 503 (the function has 10 s). */
const MAX_ATTEMPTS = 20;
const ATTEMPT_BUDGET_MS = 8_000;
/** Cancellation reasons that a later attempt may not meet (nothing about the items themselves). */
const RETRYABLE_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/** The audit record of a served call: who, what, about whom, why, and how it was metered. */
function callEvent(call: MeteredCall, extra: Pick<AuditEvent, 'ledger' | 'replayOf'>): AuditEvent {
  return {
    id: call.requestId,
    at: call.at.toISOString(),
    kind: 'registry-call',
    actor: { clientId: call.clientId, agencyId: call.agencyId },
    action: call.operation,
    subject: call.subject,
    target: call.target,
    purpose: call.purpose,
    officerId: call.officerId,
    caseId: call.caseId,
    outcome: 'served',
    status: call.status,
    covertUntil: call.covertUntil,
    ...extra,
  };
}

/** Where one agency's call lands: its period, window, lane count and the lanes' shares. */
interface Geometry {
  period: string;
  nextPeriodStart: Date;
  window: ReturnType<typeof rateWindow>;
  lanes: number;
  quota: number;
  burst: number;
  /** Lanes with a non-zero quota share / burst share. */
  usableMonth: number;
  usableWindow: number;
  /** A month lane's share of the quota: its cap, where a mid-period change set one, else its share. */
  monthShare: (lane: number) => number;
  windowShare: (lane: number) => number;
  /** The limits month-lane caps must have been set for to apply (see capLanes). */
  limitsId: string;
  caps: Map<number, number>;
  /** Lanes known to be full (this process's memory of facts that stay true). */
  fullMonth: Set<number>;
  fullWindow: Set<number>;
  monthKey: (lane: number) => { pk: string; sk: string };
  windowKey: (lane: number) => { pk: string; sk: string };
}

/** The lanes a call reads in its first round trip (two of each: the emptier is taken). */
export interface LanePlan {
  month: number[];
  window: number[];
  keys: { pk: string; sk: string }[];
}

type Placement =
  | { placed: true }
  | { placed: false; reason: 'record'; item?: Record<string, AttributeValue> | undefined }
  | { placed: false; reason: 'quota' | 'rate' | 'guard' };

/**
 * The one ledger writer. Each served call is one TransactWriteItems that appends the ledger entry (which is
 * also the call's audit record, on a key that makes a retry a no-op), bumps one lane of the agency's monthly
 * counter below that lane's share of the quota, and one lane of the rate window below its share of the burst.
 * No item of it is named by every call of the agency, so concurrent calls rarely conflict; a call that
 * conflicts or finds its lane full moves to another lane. All or nothing: a call that is not written is not
 * served, and a written call is counted exactly once. Liveness (credential, agency, policy version) is
 * checked by the consistent read of the first round trip (see broker.ts), not here.
 */
export class Ledger {
  private readonly full = new FullLanes();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  private geometry(
    agencyId: string,
    limits: Limits,
    at: Date,
    policyVersion: number,
    caps = new Map<number, number>(),
  ): Geometry {
    const { period, nextPeriodStart } = periodOf(at);
    const window = rateWindow(limits, at);
    const lanes = limits.lanes ?? DEFAULT_LANES;
    const { monthlyQuota: quota, burst } = limits;
    return {
      limitsId: limitsId({ monthlyQuota: quota, lanes }),
      caps,
      period,
      nextPeriodStart,
      window,
      lanes,
      quota,
      burst,
      usableMonth: usableLanes(quota, lanes),
      usableWindow: usableLanes(burst, lanes),
      monthShare: (lane) => caps.get(lane) ?? laneShare(quota, lanes, lane),
      windowShare: (lane) => laneShare(burst, lanes, lane),
      // Per policy version too: a plan change may re-cap the lanes (capLanes), and a lane full before may open.
      fullMonth: this.full.get(`M|${agencyId}|${period}|${quota}|${lanes}|${policyVersion}`),
      fullWindow: this.full.get(`W|${agencyId}|${window.start}|${burst}|${lanes}`),
      monthKey: (lane) => laneKeys.month(agencyId, period, lane),
      windowKey: (lane) => laneKeys.window(agencyId, window.start, lane),
    };
  }

  /** Which lanes the first round trip reads: two month lanes and two window lanes, the same ones if it can. */
  plan(agencyId: string, limits: Limits, at: Date, policyVersion: number): LanePlan {
    const g = this.geometry(agencyId, limits, at, policyVersion);
    const month = pickLanes(g.usableMonth, 2, g.fullMonth, this.random);
    let window = g.usableMonth === g.usableWindow ? month.filter((l) => !g.fullWindow.has(l)) : [];
    if (!window.length) window = pickLanes(g.usableWindow, 2, g.fullWindow, this.random);
    return {
      month,
      window,
      keys: [...month.map(g.monthKey), ...window.map(g.windowKey)],
    };
  }

  /** The lane counts among the items the first round trip returned. */
  observe(
    agencyId: string,
    limits: Limits,
    at: Date,
    policyVersion: number,
    plan: LanePlan,
    found: Record<string, unknown>[],
  ): LaneReading {
    const g = this.geometry(agencyId, limits, at, policyVersion);
    const byPk = new Map(found.map((item) => [item.pk as string, item]));
    const reading: LaneReading = { month: new Map(), window: new Map(), caps: g.caps };
    for (const lane of plan.month) this.note(g, 'month', reading, lane, byPk.get(g.monthKey(lane).pk));
    for (const lane of plan.window) this.note(g, 'window', reading, lane, byPk.get(g.windowKey(lane).pk));
    return reading;
  }

  private note(
    g: Geometry,
    kind: 'month' | 'window',
    reading: LaneReading,
    lane: number,
    item: Record<string, unknown> | undefined,
  ): void {
    const count = Number((kind === 'month' ? item?.calls : item?.n) ?? 0);
    reading[kind].set(lane, count);
    if (kind === 'month' && item?.capFor === g.limitsId) g.caps.set(lane, Number(item.cap));
    const share = kind === 'month' ? g.monthShare(lane) : g.windowShare(lane);
    if (count >= share) (kind === 'month' ? g.fullMonth : g.fullWindow).add(lane);
  }

  /** Whether an agency's Idempotency-Key already counted a call in the period of `at` (a retry would replay it). */
  async counted(agencyId: string, at: Date, idempotencyKey: string): Promise<boolean> {
    return (await this.entryOf(agencyId, periodOf(at).period, idempotencyKey)) !== undefined;
  }

  private async entryOf(agencyId: string, period: string, key: string) {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.ledger,
        Key: ledgerKeys.entry(agencyId, period, key),
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** Meters one call: appends its entry and counts it in one lane, or replays a used Idempotency-Key. */
  async commit(call: MeteredCall, reading: LaneReading): Promise<Commit> {
    const g = this.geometry(call.agencyId, call.limits, call.at, call.policyVersion, new Map(reading.caps));
    const known = { month: new Map(reading.month), window: new Map(reading.window) };
    const billable = call.status === 200 ? 1 : 0;
    const event = callEvent(call, {
      ledger: {
        period: g.period,
        day: periodOf(call.at).day,
        plan: call.limits.plan,
        planVersion: call.limits.planVersion,
        billable: billable === 1,
        idempotencyKey: call.idempotencyKey,
      },
    });
    const entryKey = ledgerKeys.entry(call.agencyId, g.period, call.idempotencyKey ?? call.requestId);
    const record = auditItem(event);
    const entry: TransactItem = {
      Put: {
        TableName: this.tables.ledger,
        Item: { ...record, ...entryKey, fingerprint: call.fingerprint },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    try {
      const placed = await this.place(call, g, known, entry, billable);
      if (placed.placed) {
        return {
          outcome: 'committed',
          leafHash: record.leafHash as string,
          usage: this.estimate(g, known, COUNTED),
        };
      }
      if (placed.reason === 'record') {
        // Our own earlier attempt landed and only its answer was lost: it is this call's entry.
        const stored = placed.item ? unmarshall(placed.item) : undefined;
        if ((stored?.event as AuditEvent | undefined)?.id === call.requestId) {
          return {
            outcome: 'committed',
            leafHash: record.leafHash as string,
            usage: this.estimate(g, known, COUNTED),
          };
        }
        return await this.replay(call, g, known, stored);
      }
      if (placed.reason === 'quota' && call.idempotencyKey) {
        // A used key makes this a replay even when the quota is used up: the call that took the last of the
        // quota can still be answered again (uncounted).
        const stored = await this.entryOf(call.agencyId, g.period, call.idempotencyKey);
        if (stored) return await this.replay(call, g, known, stored);
      }
      throw this.refusal(call, g, placed.reason);
    } catch (error) {
      if (error instanceof AppError)
        Object.assign(error.headers, usageHeaders(call.limits, this.estimate(g, known, NOTHING), call.at));
      throw error;
    }
  }

  /**
   * A retry with a used Idempotency-Key. It must be the same request (fingerprint); the data leaves again, so
   * it is audited, and it passes the same rate limit as a new call, but it is not counted against the quota.
   */
  private async replay(
    call: MeteredCall,
    g: Geometry,
    known: LaneReading,
    stored: Record<string, unknown> | undefined,
  ): Promise<Commit> {
    if (!stored || stored.fingerprint !== call.fingerprint) {
      throw new ConflictError(
        'This Idempotency-Key was already used in this billing period for a different request; use a new key.',
      );
    }
    const originalRequestId = (stored.event as AuditEvent).id;
    const record = auditItem(callEvent(call, { replayOf: originalRequestId }));
    const put: TransactItem = {
      Put: { TableName: this.tables.ledger, Item: record, ConditionExpression: 'attribute_not_exists(pk)' },
    };
    const placed = await this.place(call, g, known, put, undefined);
    // `record`: the replay's own record is there already, written by an attempt whose answer was lost.
    if (!placed.placed && placed.reason !== 'record') throw this.refusal(call, g, placed.reason);
    return {
      outcome: 'replayed',
      originalRequestId,
      leafHash: record.leafHash as string,
      usage: this.estimate(g, known, REPLAYED),
    };
  }

  /**
   * Writes `record` with a bump of one window lane and (when `billable` is given: a counted call) one month
   * lane, trying other lanes on conflicts and full lanes until it lands, the quota or the window turns out to
   * be used up (every lane full), or the record exists already.
   */
  private async place(
    call: MeteredCall,
    g: Geometry,
    known: LaneReading,
    record: TransactItem,
    billable: number | undefined,
  ): Promise<Placement> {
    const counts = billable !== undefined;
    const avoid = { month: new Set<number>(), window: new Set<number>() };
    // Whether every lane was read since the last conflict: only then is "no lane has room" a fact.
    const readAll = { month: false, window: false };
    const started = Date.now();
    let conflicts = 0;
    for (let attempt = 0; ; attempt++) {
      let month: number | undefined;
      if (counts) {
        month = this.choose(g, 'month', known.month, avoid.month);
        if (month === undefined) {
          if (readAll.month) return { placed: false, reason: 'quota' };
          readAll.month = true;
          await this.readLanes(g, 'month', known);
          continue;
        }
      }
      const window = this.choose(g, 'window', known.window, avoid.window, month);
      if (window === undefined) {
        if (readAll.window) return { placed: false, reason: 'rate' };
        readAll.window = true;
        await this.readLanes(g, 'window', known);
        continue;
      }
      const { items, reasonsOf } = namedItems({
        record,
        window: this.windowUpdate(g, window),
        month:
          month !== undefined && billable !== undefined
            ? this.monthUpdate(call, g, month, billable)
            : undefined,
        // Only a counted call names the guard: the replay of a verification is answered again whatever it holds.
        guard: counts && call.verification ? guardItem(this.tables.ledger, call.verification) : undefined,
      });
      // One client token per attempt (a later attempt names other lanes), the same when an attempt is resent.
      const token = createHash('sha256')
        .update(`${call.requestId}:${record.Put?.Item?.pk}:${attempt}`)
        .digest('base64url')
        .slice(0, 32);
      const cancelled = await this.send(call, items, token);
      if (!cancelled) return { placed: true };
      const reasons = reasonsOf(cancelled);
      if (reasons.failed('record')) return { placed: false, reason: 'record', item: reasons.item('record') };
      if (reasons.failed('guard')) return { placed: false, reason: 'guard' };
      let retryable =
        RETRYABLE_CANCELLATIONS.has(reasons.code('record')) ||
        RETRYABLE_CANCELLATIONS.has(reasons.code('guard'));
      const conflicted: ('month' | 'window')[] = [];
      for (const [kind, lane] of [
        ['window', window],
        ['month', month],
      ] as const) {
        if (lane === undefined) continue;
        if (reasons.failed(kind)) {
          (kind === 'month' ? g.fullMonth : g.fullWindow).add(lane);
          known[kind].set(lane, kind === 'month' ? g.monthShare(lane) : g.windowShare(lane));
        } else if (RETRYABLE_CANCELLATIONS.has(reasons.code(kind))) {
          avoid[kind].add(lane);
          readAll[kind] = false;
          // Worth reading again only if the call that holds it may have just filled it.
          const share = kind === 'month' ? g.monthShare(lane) : g.windowShare(lane);
          if (share - (known[kind].get(lane) ?? 0) <= 1) conflicted.push(kind);
          retryable = true;
        }
      }
      const conditionFailed = reasons.failed('window') || reasons.failed('month');
      if (!conditionFailed && !retryable)
        throw this.unavailable(
          call,
          new LedgerRetryError(`cancelled: ${cancelled.map((r) => r.Code).join(',')}`),
        );
      if (retryable && (attempt + 1 >= MAX_ATTEMPTS || Date.now() - started > ATTEMPT_BUDGET_MS)) {
        throw this.unavailable(
          call,
          new LedgerRetryError(
            `conflicts persisted through ${attempt + 1} attempts in ${Date.now() - started} ms`,
          ),
        );
      }
      if (!retryable) continue;
      // A conflict means another call holds that lane right now: wait a little, with jitter, on another lane.
      await sleep(this.random() * Math.min(100, 4 * 2 ** attempt));
      // Conflicting again and again on lanes with their last unit left (many calls racing for the last of the
      // quota or burst): see where room is left now rather than guess; those lanes may be full by now.
      if (++conflicts >= 2) {
        for (const kind of new Set(conflicted)) {
          await this.readLanes(g, kind, known);
          readAll[kind] = true;
        }
      }
    }
  }

  /**
   * A lane for this call: the given one if it has room (keeping the call's two lanes the same lane, so its
   * contention is one lane's), else the known lane with the most room; after a conflict, a lane not yet seen.
   */
  private choose(
    g: Geometry,
    kind: 'month' | 'window',
    known: Map<number, number>,
    avoid: Set<number>,
    prefer?: number,
  ): number | undefined {
    const usable = kind === 'month' ? g.usableMonth : g.usableWindow;
    const share = kind === 'month' ? g.monthShare : g.windowShare;
    const full = kind === 'month' ? g.fullMonth : g.fullWindow;
    const room = (lane: number) => (full.has(lane) ? 0 : share(lane) - (known.get(lane) ?? 0));
    if (prefer !== undefined && prefer < usable && !avoid.has(prefer) && room(prefer) > 0) return prefer;
    let best: number | undefined;
    for (const lane of known.keys()) {
      if (lane >= usable || avoid.has(lane) || room(lane) <= 0) continue;
      if (best === undefined || room(lane) / share(lane) > room(best) / share(best)) best = lane;
    }
    if (best !== undefined) return best;
    if (avoid.size) {
      // Only conflicts stand between the call and the lanes it knows have room: take another, unseen lane.
      const exclude = new Set([...full, ...avoid, ...[...known.keys()].filter((l) => room(l) <= 0)]);
      const [unseen] = pickLanes(usable, 1, exclude, this.random);
      if (unseen !== undefined) return unseen;
      // Every lane has been seen: one that conflicted and has room, again.
      const retry = [...avoid].filter((lane) => lane < usable && room(lane) > 0);
      avoid.clear();
      if (retry.length) return retry[Math.floor(this.random() * retry.length)];
    }
    // Every lane it knows is full: the caller reads them all (or, having read them, the whole is used up).
    return undefined;
  }

  /** Reads every lane of one kind not known to be full (a few batches at most; only when the lanes read were full). */
  private async readLanes(g: Geometry, kind: 'month' | 'window', known: LaneReading): Promise<void> {
    const usable = kind === 'month' ? g.usableMonth : g.usableWindow;
    const full = kind === 'month' ? g.fullMonth : g.fullWindow;
    const keyOf = kind === 'month' ? g.monthKey : g.windowKey;
    const lanes = [];
    for (let lane = 0; lane < usable; lane++) if (!full.has(lane)) lanes.push(lane);
    const items = await batchGetAll(this.client, this.tables.ledger, lanes.map(keyOf), false);
    const byPk = new Map(items.map((item) => [item.pk as string, item]));
    const reading = known;
    for (const lane of lanes) this.note(g, kind, reading, lane, byPk.get(keyOf(lane).pk));
  }

  private windowUpdate(g: Geometry, lane: number): TransactItem {
    return {
      Update: {
        TableName: this.tables.ledger,
        Key: g.windowKey(lane),
        UpdateExpression: 'SET expiresAt = :ttl ADD n :one',
        ConditionExpression: 'attribute_not_exists(n) OR n < :share',
        ExpressionAttributeValues: {
          ':one': 1,
          ':share': g.windowShare(lane),
          ':ttl': g.window.start + g.window.seconds + 3600,
        },
      },
    };
  }

  private monthUpdate(call: MeteredCall, g: Geometry, lane: number, billable: number): TransactItem {
    return {
      Update: {
        TableName: this.tables.ledger,
        Key: g.monthKey(lane),
        UpdateExpression:
          'SET agencyId = :agency, #period = :period ADD calls :one, billable :billable, #opCalls :one, #opBillable :billable, #planCalls :one',
        // A cap set for these limits (after a mid-period change) replaces the lane's share.
        ConditionExpression:
          '(capFor = :limits AND calls < cap) OR ((attribute_not_exists(capFor) OR capFor <> :limits) AND (attribute_not_exists(calls) OR calls < :share))',
        ExpressionAttributeNames: {
          '#period': 'period',
          '#opCalls': counterNames.opCalls(call.operation),
          '#opBillable': counterNames.opBillable(call.operation, call.limits.plan, call.limits.planVersion),
          '#planCalls': counterNames.planCalls(call.limits.plan, call.limits.planVersion),
        },
        ExpressionAttributeValues: {
          ':agency': call.agencyId,
          ':period': g.period,
          ':one': 1,
          ':billable': billable,
          ':share': laneShare(g.quota, g.lanes, lane),
          ':limits': g.limitsId,
        },
      },
    };
  }

  /**
   * Sends one attempt. A timeout or 5xx may hide a write that landed: answering 503 then would bill a call
   * never served, so the same attempt goes again with the same client token (a no-op if it landed). Returns
   * the cancellation reasons of a cancelled transaction, or nothing when it was written.
   */
  private async send(
    call: MeteredCall,
    items: TransactItem[],
    token: string,
  ): Promise<CancellationReason[] | undefined> {
    try {
      await withRetry(
        () => this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token })),
        TRANSIENT_RETRY,
        // A cancelled transaction was answered: its reasons go back to the caller, never sent again here.
        (error) => !(error instanceof TransactionCanceledException) && isDependencyUnavailable(error),
      );
      return undefined;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return error.CancellationReasons ?? [];
      throw this.unavailable(call, error);
    }
  }

  /**
   * The remaining quota and burst as far as this call saw: exact when it read every lane, otherwise the mean
   * room of the lanes it saw times the number of lanes (lanes fill evenly, as each call takes the emptier of
   * two). `taken` is this call's own unit.
   */
  private estimate(g: Geometry, known: LaneReading, taken: { month: number; window: number }): UsageEstimate {
    const left = (kind: 'month' | 'window') => {
      const usable = kind === 'month' ? g.usableMonth : g.usableWindow;
      const share = kind === 'month' ? g.monthShare : g.windowShare;
      const full = kind === 'month' ? g.fullMonth : g.fullWindow;
      const seen = new Set([...known[kind].keys(), ...full]);
      let room = 0;
      let seenUsable = 0;
      for (const lane of seen) {
        if (lane >= usable) continue;
        seenUsable += 1;
        room += full.has(lane) ? 0 : Math.max(0, share(lane) - (known[kind].get(lane) ?? 0));
      }
      if (!seenUsable) return kind === 'month' ? g.quota : g.burst;
      return seenUsable >= usable ? room : Math.round((room / seenUsable) * usable);
    };
    return {
      quotaLeft: Math.max(0, left('month') - taken.month),
      windowLeft: Math.max(0, left('window') - taken.window),
    };
  }

  private refusal(call: MeteredCall, g: Geometry, reason: 'quota' | 'rate' | 'guard' | 'record'): AppError {
    if (reason === 'guard' && call.verification) return verificationLimited(call.verification.guard, call.at);
    if (reason === 'quota') {
      const retryAfter = Math.max(1, Math.ceil((g.nextPeriodStart.getTime() - call.at.getTime()) / 1000));
      return new TooManyRequestsError(
        `Agency ${call.agencyId} has used its monthly quota of ${call.limits.monthlyQuota} calls for ${g.period}; it resets at ${g.nextPeriodStart.toISOString()}.`,
        retryAfter,
        { extensions: { limit: 'monthly-quota', quota: call.limits.monthlyQuota, period: g.period } },
      );
    }
    if (reason === 'rate') {
      return new TooManyRequestsError(
        `Rate limit: at most ${call.limits.burst} calls per ${g.window.seconds} s (${call.limits.ratePerSecond}/s sustained) for agency ${call.agencyId}.`,
        g.window.resetsIn,
        { extensions: { limit: 'rate', burst: call.limits.burst, perSecond: call.limits.ratePerSecond } },
      );
    }
    return this.unavailable(call, new LedgerRetryError('record already written'));
  }

  private unavailable(call: MeteredCall, error: unknown): ServiceUnavailableError {
    // The alarm's metric filter matches this message: keep it stable.
    this.logger.error('ledger write failed', {
      requestId: call.requestId,
      agencyId: call.agencyId,
      operation: call.operation,
      errorName: error instanceof Error ? error.name : typeof error,
      // Our own reasons only (attempts, cancellation codes): never the store's text, which may carry values.
      ...(error instanceof LedgerRetryError ? { reason: error.message } : {}),
    });
    return new ServiceUnavailableError(
      'The gateway could not record this call in its ledger, so it was not served or billed. Retry shortly.',
      1,
    );
  }
}

/** Why the ledger gave up on a call, in its own words (safe to log). */
class LedgerRetryError extends Error {
  override name = 'LedgerRetryError';
}

/** What a call took: a counted call a unit of quota and burst, a replay only of burst. */
const COUNTED = { month: 1, window: 1 };
const REPLAYED = { month: 0, window: 1 };
const NOTHING = { month: 0, window: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** IETF httpapi RateLimit headers (draft) and X-Quota-Remaining, from what the call saw of its lanes. */
export function usageHeaders(limits: Limits, usage: UsageEstimate, at: Date): Record<string, string> {
  const window = rateWindow(limits, at);
  const { nextPeriodStart } = periodOf(at);
  const monthSeconds = Math.max(1, Math.ceil((nextPeriodStart.getTime() - at.getTime()) / 1000));
  return {
    'RateLimit-Policy': `"burst";q=${limits.burst};w=${window.seconds}, "month";q=${limits.monthlyQuota}`,
    RateLimit: `"burst";r=${usage.windowLeft};t=${window.resetsIn}, "month";r=${usage.quotaLeft};t=${monthSeconds}`,
    'X-Quota-Remaining': String(usage.quotaLeft),
  };
}

/** Names the quota and lane count a set of lane caps was computed for (stored with the caps: keep the format). */
export const limitsId = (limits: LaneLimits) => `${limits.monthlyQuota}/${limits.lanes}`;

/** What lane caps are computed from: the monthly quota and the agency's lane count. */
export interface LaneLimits {
  monthlyQuota: number;
  lanes: number;
}

/**
 * After an agency's quota or lane count changes within a period (a new plan or plan version), its lanes' shares
 * of the new quota no longer add up to what is left: a lane that filled up under the old shares holds more than its
 * new share while new or emptier lanes still have all of theirs. This caps every lane of the period at what it holds
 * now plus its share of what is left (the quota minus the period's calls), tagged with the new limits, so the caps add up
 * to the new quota again and calls under the new limits are exact. Calls made under the old limits while this runs
 * are counted against the caps (a cap is a count, not a remainder), except that a lane which took more of them
 * than its new share meanwhile keeps the excess: at most the calls that land in those milliseconds. Idempotent;
 * run before the change is committed, so the first call under the new limits finds its caps.
 */
export async function capLanes(
  client: DynamoDBDocumentClient,
  ledgerTable: string,
  agencyId: string,
  at: Date,
  limits: LaneLimits,
  lanesBefore: number,
): Promise<{ used: number; capped: number }> {
  const { period } = periodOf(at);
  const lanes = Math.max(limits.lanes, lanesBefore);
  const keys = Array.from({ length: lanes }, (_, lane) => laneKeys.month(agencyId, period, lane));
  const items = await batchGetAll(client, ledgerTable, keys, true);
  // Nothing counted this period: the new shares apply as they are.
  if (!items.some((item) => Number(item.calls ?? 0) > 0)) return { used: 0, capped: 0 };
  const calls = new Map(items.map((item) => [laneKeys.laneOf(item), Number(item.calls ?? 0)]));
  const used = [...calls.values()].reduce((sum, n) => sum + n, 0);
  const left = Math.max(0, limits.monthlyQuota - used);
  const open = usableLanes(limits.monthlyQuota, limits.lanes);
  const writes: (() => Promise<void>)[] = [];
  for (let lane = 0; lane < lanes; lane++) {
    // A lane never written and outside the shares is never chosen: it needs no cap.
    if (!calls.has(lane) && lane >= open) continue;
    const cap = (calls.get(lane) ?? 0) + (lane < limits.lanes ? laneShare(left, limits.lanes, lane) : 0);
    writes.push(() =>
      setCap(client, ledgerTable, keys[lane]!, { agencyId, period, cap, capFor: limitsId(limits) }),
    );
  }
  const queue = [...writes];
  await Promise.all(
    Array.from({ length: Math.min(32, queue.length) }, async () => {
      for (let write = queue.shift(); write; write = queue.shift()) await write();
    }),
  );
  return { used, capped: writes.length };
}

/**
 * A call's transaction holds a lane for a few milliseconds: a cap write it blocks waits a little (5 ms plus a
 * random part of 20, 40, ... 320 ms, so writes racing the same calls spread out) and writes again, 21 tries in
 * all. Only conflicts are retried here; a throttled or failed write is the admin action's error.
 */
const CAP_WRITE_RETRY: RetryPolicy = {
  attempts: 21,
  firstDelayMs: 20,
  maxDelayMs: 320,
  jitter: { floorMs: 5 },
};

async function setCap(
  client: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
  cap: { agencyId: string; period: string; cap: number; capFor: string },
): Promise<void> {
  await withRetry(
    () =>
      client.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression:
            'SET cap = :cap, capFor = :for, agencyId = :agency, #period = :period, calls = if_not_exists(calls, :zero)',
          ExpressionAttributeNames: { '#period': 'period' },
          ExpressionAttributeValues: {
            ':cap': cap.cap,
            ':for': cap.capFor,
            ':agency': cap.agencyId,
            ':period': cap.period,
            ':zero': 0,
          },
        }),
      ),
    CAP_WRITE_RETRY,
    isTransactionConflict,
  );
}

/**
 * A verification's part in its transaction: a failed one counts on the guard, a matching one only checks it; both
 * cancel the transaction once the guard holds `limit` failures. The guard expires an hour after its hour ends.
 */
function guardItem(
  table: string,
  { guard, failed }: { guard: VerificationGuard; failed: boolean },
): TransactItem {
  const open = 'attribute_not_exists(failures) OR failures < :limit';
  if (!failed) {
    return {
      ConditionCheck: {
        TableName: table,
        Key: guard.key,
        ConditionExpression: open,
        ExpressionAttributeValues: { ':limit': guard.limit },
      },
    };
  }
  return {
    Update: {
      TableName: table,
      Key: guard.key,
      UpdateExpression: 'SET agencyId = :agency, #hour = :hour, expiresAt = :ttl ADD failures :one',
      ConditionExpression: open,
      ExpressionAttributeNames: { '#hour': 'hour' },
      ExpressionAttributeValues: {
        ':agency': guard.agencyId,
        ':hour': guard.hour,
        ':ttl': Math.floor(guard.resetsAt.getTime() / 1000) + 3600,
        ':one': 1,
        ':limit': guard.limit,
      },
    },
  };
}
