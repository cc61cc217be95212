import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PaymentRequiredError } from '../errors';
import type { Limits, PlanRepository } from '../identity/plans';
import type { Authorization } from '../ledger/broker';
import { rateWindow } from '../ledger/ledger';
import { periodOf } from '../ledger/period';
import { readCounters } from '../ledger/usage';
import { NO_PLAN, priceStatement, tiersOf } from './statement';

/** How old a spend snapshot may be before it is read again, whatever the headroom. */
const SNAPSHOT_MAX_AGE_MS = 1_000;

interface Snapshot {
  /** When the read of the lanes started: every call counted before then is in it. */
  readAt: number;
  spentVnd: number;
  calls: number;
}

/**
 * Enforces an agency's monthly budget cap on the registry path. The month-to-date spend (VAT included) is priced
 * from the sum of the agency's lanes; plan versions never change, so the plan repository reads each once per
 * process. A process keeps the last spend it read for up to a second and uses it only while the cap cannot have
 * been reached since: the calls admitted since that read are bounded by the rate limit (at most `burst` per
 * window), so if that many calls at the plan's highest price still stay under the cap, the call is allowed without
 * a read; otherwise the lanes are read again (consistently) and the call is priced exactly. Accuracy is then as
 * it was with a single counter: calls already in flight when the cap is reached still complete, so spend can pass
 * the cap by those calls' price; adjustments for earlier months are not counted against the cap.
 */
export class BudgetGuard {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly ledgerTable: string,
    private readonly plans: Pick<PlanRepository, 'version'>,
    private readonly vatPercent: number,
  ) {}

  async check(auth: Authorization, agencyId: string, at: Date): Promise<void> {
    const cap = auth.budgetCapVnd;
    if (cap === undefined) return;
    const { period, nextPeriodStart } = periodOf(at);
    const key = `${agencyId}|${period}|${auth.limits.plan}@${auth.limits.planVersion}|${auth.limits.lanes}`;
    const now = Date.now();
    let snapshot = this.snapshots.get(key);
    if (
      !snapshot ||
      now - snapshot.readAt > SNAPSHOT_MAX_AGE_MS ||
      snapshot.spentVnd >= cap ||
      BigInt(snapshot.spentVnd) + (await this.maxAddedSince(auth.limits, snapshot, now)) >= BigInt(cap)
    ) {
      snapshot = await this.read(auth, agencyId, period);
      this.snapshots.set(key, snapshot);
      if (this.snapshots.size > 10_000) this.snapshots.delete(this.snapshots.keys().next().value as string);
    }
    if (snapshot.spentVnd >= cap) {
      throw new PaymentRequiredError(
        `Agency ${agencyId} has reached its budget cap of ${cap} VND for ${period} (spent ${snapshot.spentVnd} VND, VAT included); calls resume at ${nextPeriodStart.toISOString()} or when the cap is raised.`,
        { extensions: { capVnd: cap, spentVnd: snapshot.spentVnd, period } },
      );
    }
  }

  private async read(auth: Authorization, agencyId: string, period: string): Promise<Snapshot> {
    const readAt = Date.now();
    const [counters] = await readCounters(
      this.client,
      this.ledgerTable,
      { id: agencyId, ledgerLanes: auth.limits.lanes },
      period,
      period,
      { consistent: true, days: false },
    );
    const statement = await priceStatement(this.plans, new Map(), {
      agency: { id: agencyId, name: '' },
      period,
      counters,
      feePlan: { code: auth.limits.plan, version: auth.limits.planVersion },
      adjustments: [],
      vatPercent: this.vatPercent,
    });
    return { readAt, spentVnd: statement.totalVnd, calls: counters?.calls ?? 0 };
  }

  /**
   * The most the calls admitted since the snapshot's read can have added: every rate window that overlaps the
   * time since admits at most `burst` calls, each at most the plan's highest price (VAT included), plus the
   * monthly fee if the snapshot had no call yet.
   */
  private async maxAddedSince(limits: Limits, snapshot: Snapshot, now: number): Promise<bigint> {
    const plan =
      (limits.plan !== NO_PLAN.code && (await this.plans.version(limits.plan, limits.planVersion))) ||
      NO_PLAN;
    const highest = Math.max(
      0,
      ...Object.keys({ ...plan.unitPricesVnd, ...plan.tiersVnd }).flatMap((op) =>
        tiersOf(plan, op).map((tier) => tier.priceVnd),
      ),
    );
    const first = rateWindow(limits, new Date(snapshot.readAt)).start;
    const last = rateWindow(limits, new Date(now)).start;
    const windows = Math.floor((last - first) / rateWindow(limits, new Date(now)).seconds) + 1;
    const calls = BigInt(windows * limits.burst);
    const fee = BigInt(snapshot.calls === 0 ? plan.monthlyFeeVnd : 0);
    const vat = BigInt(100 + this.vatPercent);
    return ((calls * BigInt(highest) + fee) * vat + 99n) / 100n + 1n;
  }
}
