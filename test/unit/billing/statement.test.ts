import { describe, expect, it } from 'vitest';
import { MoneyOverflowError, vatOn } from '../../../shared/billing/money';
import {
  type AdjustmentLine,
  buildStatement,
  lateUsageAdjustments,
  NO_PLAN,
  netOfReversals,
  type PricingPlan,
  reversalAdjustments,
  type StatementInput,
} from '../../../shared/billing/statement';
import { PlanInputSchema } from '../../../shared/identity/plans';
import type { PeriodCounters } from '../../../shared/ledger/usage';

const plan = (overrides: Partial<PricingPlan> & { code: string; version: number }): PricingPlan => ({
  name: `Gói ${overrides.code}`,
  monthlyFeeVnd: 0,
  includedCalls: 0,
  unitPricesVnd: {},
  ...overrides,
});

/** Counters as the ledger keeps them: billable calls per operation and `PLAN@v`, plus unbilled calls. */
function counters(
  pricing: Record<string, Record<string, number>>,
  unbilled: Record<string, number> = {},
): PeriodCounters {
  const operations: PeriodCounters['operations'] = {};
  for (const [op, slices] of Object.entries(pricing)) {
    const billable = Object.values(slices).reduce((a, b) => a + b, 0);
    operations[op] = { calls: billable + (unbilled[op] ?? 0), billable };
  }
  const calls = Object.values(operations).reduce((a, o) => a + o.calls, 0);
  const billable = Object.values(operations).reduce((a, o) => a + o.billable, 0);
  return {
    agencyId: 'ag_test',
    period: '2026-11',
    calls,
    billable,
    operations,
    purposes: {},
    days: {},
    reversed: {},
    plans: {},
    pricing,
  };
}

function statement(
  plans: PricingPlan[],
  counted: PeriodCounters | undefined,
  feePlan: { code: string; version: number },
  extra: Partial<StatementInput> = {},
) {
  return buildStatement({
    agency: { id: 'ag_test', name: 'Bảo hiểm xã hội thành phố Đà Nẵng' },
    period: '2026-11',
    counters: counted,
    plans: new Map(plans.map((p) => [`${p.code}@${p.version}`, p])),
    feePlan,
    adjustments: [],
    vatPercent: 10,
    ...extra,
  });
}

describe('statement pricing', () => {
  it('prices graduated tiers: the first 10,000 calls at one price, the rest at another', () => {
    const std = plan({
      code: 'STD',
      version: 1,
      tiersVnd: { 'citizen:read': [{ upTo: 10_000, priceVnd: 500 }, { priceVnd: 300 }] },
    });
    const s = statement([std], counters({ 'citizen:read': { 'STD@1': 15_000 } }), {
      code: 'STD',
      version: 1,
    });
    expect(s.lines[0]?.tiers).toEqual([
      {
        plan: 'STD',
        version: 1,
        fromCall: 1,
        toCall: 10_000,
        calls: 10_000,
        unitPriceVnd: 500,
        amountVnd: 5_000_000,
      },
      {
        plan: 'STD',
        version: 1,
        fromCall: 10_001,
        toCall: 15_000,
        calls: 5_000,
        unitPriceVnd: 300,
        amountVnd: 1_500_000,
      },
    ]);
    expect(s.lines[0]?.amountVnd).toBe(6_500_000);
  });

  it('uses the unit price as a single open tier where an operation has no tiers, and zero where it has neither', () => {
    const std = plan({ code: 'STD', version: 1, unitPricesVnd: { 'business:read': 700 } });
    const s = statement(
      [std],
      counters({ 'business:read': { 'STD@1': 3 }, 'business:search': { 'STD@1': 4 } }),
      { code: 'STD', version: 1 },
    );
    expect(s.lines.map((l) => [l.operation, l.amountVnd])).toEqual([
      ['business:read', 2_100],
      ['business:search', 0],
    ]);
  });

  it('shares the included calls across operations in catalogue order, before any tier is counted', () => {
    const std = plan({
      code: 'STD',
      version: 1,
      includedCalls: 1_000,
      unitPricesVnd: { 'citizen:read': 500 },
      tiersVnd: { 'business:read': [{ upTo: 10, priceVnd: 1_000 }, { priceVnd: 10 }] },
    });
    const s = statement(
      [std],
      counters(
        { 'business:read': { 'STD@1': 1_150 }, 'citizen:read': { 'STD@1': 600 } },
        { 'citizen:read': 7 },
      ),
      { code: 'STD', version: 1 },
    );
    const [citizen, business] = s.lines;
    expect(citizen).toMatchObject({
      operation: 'citizen:read',
      calls: 607,
      billable: 600,
      included: 600,
      chargeable: 0,
    });
    expect(citizen?.amountVnd).toBe(0);
    // 400 included remain for business:read; its 750 chargeable calls start at tier 1.
    expect(business).toMatchObject({
      operation: 'business:read',
      billable: 1_150,
      included: 400,
      chargeable: 750,
    });
    expect(business?.tiers.map((t) => [t.fromCall, t.toCall, t.unitPriceVnd])).toEqual([
      [1, 10, 1_000],
      [11, 750, 10],
    ]);
    expect(business?.amountVnd).toBe(10 * 1_000 + 740 * 10);
  });

  it('prices a mid-month plan change slice by slice, each with its own version, tiers counted across the month', () => {
    const v1 = plan({
      code: 'STD',
      version: 1,
      monthlyFeeVnd: 1_000_000,
      includedCalls: 2,
      tiersVnd: { 'citizen:read': [{ upTo: 5, priceVnd: 500 }, { priceVnd: 400 }] },
    });
    const v2 = plan({
      code: 'STD',
      version: 2,
      monthlyFeeVnd: 2_000_000,
      includedCalls: 3,
      tiersVnd: { 'citizen:read': [{ upTo: 5, priceVnd: 600 }, { priceVnd: 100 }] },
    });
    const s = statement([v1, v2], counters({ 'citizen:read': { 'STD@1': 6, 'STD@2': 10 } }), {
      code: 'STD',
      version: 2,
    });
    // Fee plan STD@2: 3 included calls, taken from the earliest slice (STD@1). STD@1 then has 3 chargeable
    // calls (positions 1-3 at its tier-1 price); STD@2's 10 calls occupy positions 4-13 with its own tiers.
    expect(
      s.lines[0]?.tiers.map((t) => [`${t.plan}@${t.version}`, t.fromCall, t.toCall, t.unitPriceVnd]),
    ).toEqual([
      ['STD@1', 1, 3, 500],
      ['STD@2', 4, 5, 600],
      ['STD@2', 6, 13, 100],
    ]);
    expect(s.lines[0]?.amountVnd).toBe(3 * 500 + 2 * 600 + 8 * 100);
    expect(s.monthlyFeeVnd).toBe(2_000_000);
    expect(s.plans.map((p) => `${p.code}@${p.version}`)).toEqual(['STD@1', 'STD@2']);
    expect(s.feePlan).toEqual({ code: 'STD', version: 2 });
    expect(s.includedCalls).toEqual({ allowance: 3, used: 3 });
  });

  it('charges calls made with no plan nothing, and no fee', () => {
    const s = statement([], counters({ 'citizen:read': { 'NONE@0': 42 } }), { code: 'NONE', version: 0 });
    expect(s).toMatchObject({
      usageVnd: 0,
      monthlyFeeVnd: 0,
      subtotalVnd: 0,
      vatVnd: 0,
      totalVnd: 0,
      plans: [],
    });
    expect(s.lines[0]).toMatchObject({ calls: 42, billable: 42, amountVnd: 0 });
    expect(NO_PLAN.includedCalls).toBe(0);
  });

  it('adds fee and adjustments to the subtotal, then VAT once on the subtotal', () => {
    const std = plan({
      code: 'STD',
      version: 1,
      monthlyFeeVnd: 5,
      unitPricesVnd: { 'citizen:read': 5, 'business:read': 5 },
    });
    const adjustment: AdjustmentLine = {
      period: '2026-10',
      operation: 'citizen:read',
      reason: 'late-usage',
      calls: 1,
      billable: 1,
      amountVnd: 5,
      description: 'late',
    };
    const s = statement(
      [std],
      counters({ 'citizen:read': { 'STD@1': 1 }, 'business:read': { 'STD@1': 1 } }),
      { code: 'STD', version: 1 },
      { adjustments: [adjustment] },
    );
    // 5 + 5 usage + 5 fee + 5 adjustment = 20; VAT once: 2. Per line it would be 4 x round(0.5) = 4.
    expect(s).toMatchObject({
      usageVnd: 10,
      monthlyFeeVnd: 5,
      adjustmentsVnd: 5,
      subtotalVnd: 20,
      vatVnd: 2,
      totalVnd: 22,
    });
  });

  it('totals large counts at odd prices exactly, to the đồng', () => {
    const big = plan({
      code: 'BIG',
      version: 1,
      monthlyFeeVnd: 99_999_999_999,
      includedCalls: 123_457,
      unitPricesVnd: { 'business:search': 4_999_999 },
      tiersVnd: { 'citizen:read': [{ upTo: 100_000_000, priceVnd: 1_234_567 }, { priceVnd: 987_653 }] },
    });
    const s = statement(
      [big],
      counters({ 'citizen:read': { 'BIG@1': 999_999_937 }, 'business:search': { 'BIG@1': 777_777_777 } }),
      { code: 'BIG', version: 1 },
    );
    expect(s.lines.map((l) => l.amountVnd)).toEqual([1_012_222_405_101_440, 3_888_888_107_222_223]);
    expect(s.subtotalVnd).toBe(4_901_210_512_323_662);
    expect(s.vatVnd).toBe(490_121_051_232_366);
    expect(s.totalVnd).toBe(5_391_331_563_556_028);
    expect([s.subtotalVnd, s.vatVnd, s.totalVnd].every(Number.isSafeInteger)).toBe(true);
  });

  it('refuses to produce an amount it cannot carry exactly rather than round it', () => {
    const huge = plan({ code: 'HUGE', version: 1, unitPricesVnd: { 'citizen:read': 1_000_000_000_000 } });
    expect(() =>
      statement([huge], counters({ 'citizen:read': { 'HUGE@1': 1_000_000_000 } }), {
        code: 'HUGE',
        version: 1,
      }),
    ).toThrow(MoneyOverflowError);
  });
});

describe('VAT rounding', () => {
  it('rounds half up to the đồng', () => {
    expect(vatOn(15n, 10)).toBe(2n);
    expect(vatOn(14n, 10)).toBe(1n);
    expect(vatOn(25n, 10)).toBe(3n);
    expect(vatOn(12_345_679n, 8)).toBe(987_654n);
    expect(vatOn(12_345_675n, 10)).toBe(1_234_568n);
  });

  it('rounds a negative subtotal (a credit) half away from zero, symmetrically', () => {
    expect(vatOn(-15n, 10)).toBe(-2n);
    expect(vatOn(-14n, 10)).toBe(-1n);
  });

  it('takes the rate from the statement input', () => {
    const std = plan({ code: 'STD', version: 1, unitPricesVnd: { 'citizen:read': 1_000 } });
    const s = statement(
      [std],
      counters({ 'citizen:read': { 'STD@1': 1 } }),
      { code: 'STD', version: 1 },
      { vatPercent: 8 },
    );
    expect(s).toMatchObject({ vatPercent: 8, vatVnd: 80, totalVnd: 1_080 });
  });
});

describe('late usage for a closed period', () => {
  const std = plan({ code: 'STD', version: 1, unitPricesVnd: { 'citizen:read': 500, 'business:read': 300 } });
  const closed = statement([std], counters({ 'citizen:read': { 'STD@1': 10 } }), { code: 'STD', version: 1 });

  it('is the difference between what the counters price now and what the closed statement charged', () => {
    const now = statement(
      [std],
      counters({ 'citizen:read': { 'STD@1': 12 }, 'business:read': { 'STD@1': 1 } }),
      { code: 'STD', version: 1 },
    );
    expect(lateUsageAdjustments(closed, now, [])).toEqual([
      expect.objectContaining({
        period: '2026-11',
        operation: 'citizen:read',
        calls: 2,
        billable: 2,
        amountVnd: 1_000,
      }),
      expect.objectContaining({
        period: '2026-11',
        operation: 'business:read',
        calls: 1,
        billable: 1,
        amountVnd: 300,
      }),
    ]);
  });

  it('is carried once: what a later statement already carried is not charged again', () => {
    const now = statement([std], counters({ 'citizen:read': { 'STD@1': 12 } }), { code: 'STD', version: 1 });
    const carried = lateUsageAdjustments(closed, now, []);
    expect(lateUsageAdjustments(closed, now, carried)).toEqual([]);
  });

  it('is nothing when no call arrived late', () => {
    expect(lateUsageAdjustments(closed, closed, [])).toEqual([]);
  });
});

describe('plan tiers', () => {
  const base = {
    code: 'STD',
    name: 'Gói tiêu chuẩn',
    rateLimit: { perSecond: 10, burst: 20 },
    monthlyQuota: 100_000,
    includedCalls: 1_000,
    monthlyFeeVnd: 2_000_000,
    unitPricesVnd: { 'citizen:read': 500 },
  };

  it('accepts a plan with unit prices only, as before', () => {
    expect(PlanInputSchema.safeParse(base).success).toBe(true);
  });

  it('accepts tiers ascending by upTo and ending open', () => {
    const tiersVnd = {
      'citizen:read': [{ upTo: 10_000, priceVnd: 500 }, { upTo: 50_000, priceVnd: 400 }, { priceVnd: 300 }],
    };
    expect(PlanInputSchema.safeParse({ ...base, tiersVnd }).success).toBe(true);
  });

  it('refuses tiers out of order, without an open last tier, or with a fractional price', () => {
    for (const tiers of [
      [{ upTo: 10, priceVnd: 5 }, { upTo: 5, priceVnd: 4 }, { priceVnd: 3 }],
      [{ upTo: 10, priceVnd: 5 }],
      [{ priceVnd: 5 }, { priceVnd: 4 }],
      [{ priceVnd: 499.5 }],
    ]) {
      expect(PlanInputSchema.safeParse({ ...base, tiersVnd: { 'citizen:read': tiers } }).success).toBe(false);
    }
  });
});

describe('reversals', () => {
  const tiered = plan({
    code: 'STD',
    version: 1,
    tiersVnd: { 'citizen:read': [{ upTo: 3, priceVnd: 500 }, { priceVnd: 200 }] },
  });
  const gross = counters({ 'citizen:read': { 'STD@1': 4 } });
  const refunded = { ...gross, reversed: { 'citizen:read': { 'STD@1': 1 } } };

  it('refunds at the marginal price: the last call sold, not the first', () => {
    const before = statement([tiered], refunded, { code: 'STD', version: 1 });
    const after = statement([tiered], netOfReversals(refunded), { code: 'STD', version: 1 });
    expect(reversalAdjustments(before, after, [])).toEqual([
      expect.objectContaining({
        operation: 'citizen:read',
        reason: 'reversal',
        billable: -1,
        amountVnd: -200,
      }),
    ]);
  });

  it('credits a refund once: a line already carried is not credited again', () => {
    const before = statement([tiered], refunded, { code: 'STD', version: 1 });
    const after = statement([tiered], netOfReversals(refunded), { code: 'STD', version: 1 });
    const carried = reversalAdjustments(before, after, []);
    expect(reversalAdjustments(before, after, carried)).toEqual([]);
  });

  it('does not mistake a refund for late usage', () => {
    const closed = statement([tiered], gross, { code: 'STD', version: 1 });
    const refund: AdjustmentLine = {
      period: '2026-11',
      operation: 'citizen:read',
      reason: 'reversal',
      calls: 0,
      billable: -1,
      amountVnd: -200,
      description: 'refund',
    };
    expect(lateUsageAdjustments(closed, closed, [refund])).toEqual([]);
  });
});
