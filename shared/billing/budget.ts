import { PaymentRequiredError } from '../errors';
import type { PlanRepository } from '../identity/plans';
import type { Authorization, UsageSnapshot } from '../ledger/broker';
import { periodOf } from '../ledger/period';
import { priceStatement } from './statement';

/**
 * Enforces an agency's monthly budget cap on the registry path. The month-to-date spend (VAT included) is
 * priced from the counters read with the record, so it costs no extra round trip; plan versions never
 * change, so the plan repository reads each once per process. Accuracy: calls already in flight when the cap is reached
 * still complete, so spend can pass the cap by those calls' price; adjustments for earlier months are not
 * counted against the cap.
 */
export class BudgetGuard {
  constructor(
    private readonly plans: Pick<PlanRepository, 'version'>,
    private readonly vatPercent: number,
  ) {}

  async check(auth: Authorization, agencyId: string, usage: UsageSnapshot, at: Date): Promise<void> {
    if (auth.budgetCapVnd === undefined) return;
    const { period, nextPeriodStart } = periodOf(at);
    const statement = await priceStatement(this.plans, new Map(), {
      agency: { id: agencyId, name: '' },
      period,
      counters: usage.counters,
      feePlan: { code: auth.limits.plan, version: auth.limits.v },
      adjustments: [],
      vatPercent: this.vatPercent,
    });
    if (statement.totalVnd >= auth.budgetCapVnd) {
      throw new PaymentRequiredError(
        `Agency ${agencyId} has reached its budget cap of ${auth.budgetCapVnd} VND for ${period} (spent ${statement.totalVnd} VND, VAT included); calls resume at ${nextPeriodStart.toISOString()} or when the cap is raised.`,
        { extensions: { capVnd: auth.budgetCapVnd, spentVnd: statement.totalVnd, period } },
      );
    }
  }
}
