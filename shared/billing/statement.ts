import { OPERATIONS } from '../identity/model';
import type { Plan, PlanRepository, PriceTier } from '../identity/plans';
import { periodOf, startOfVietnamDay } from '../ledger/period';
import type { PeriodCounters } from '../ledger/usage';
import { times, toVnd, vatOn } from './money';

/** What a statement needs of a plan version to price calls with it. */
export type PricingPlan = Pick<
  Plan,
  'code' | 'version' | 'name' | 'monthlyFeeVnd' | 'includedCalls' | 'unitPricesVnd' | 'tiersVnd'
>;

/** Calls metered with no plan assigned: counted, priced at zero, no fee. */
export const NO_PLAN: PricingPlan = {
  code: 'NONE',
  version: 0,
  name: 'No plan',
  monthlyFeeVnd: 0,
  includedCalls: 0,
  unitPricesVnd: {},
};

export const planRef = (code: string, version: number) => `${code}@${version}`;

export function parsePlanRef(ref: string): { code: string; version: number } {
  const at = ref.lastIndexOf('@');
  return { code: ref.slice(0, at), version: Number(ref.slice(at + 1)) };
}

/** The UTC instants bounding a period (`YYYY-MM`) in Asia/Ho_Chi_Minh. */
export function periodBounds(period: string) {
  const position = periodOf(startOfVietnamDay(`${period}-01`));
  return { start: position.periodStart, end: position.nextPeriodStart };
}

/** One priced run of calls: positions fromCall..toCall of the operation's chargeable calls this month. */
export interface TierLine {
  plan: string;
  version: number;
  fromCall: number;
  toCall: number;
  calls: number;
  unitPriceVnd: number;
  amountVnd: number;
}

export interface StatementLine {
  operation: string;
  /** Every metered call, served or not. */
  calls: number;
  /** Calls that returned data (what is priced). */
  billable: number;
  /** Billable calls covered by the plan's included calls. */
  included: number;
  chargeable: number;
  tiers: TierLine[];
  amountVnd: number;
}

/** A correction to a closed period, carried on the first statement generated after it was noticed. */
export interface AdjustmentLine {
  period: string;
  operation: string;
  reason: 'late-usage' | 'reversal';
  calls: number;
  billable: number;
  amountVnd: number;
  description: string;
}

export interface Statement {
  agencyId: string;
  agencyName: string;
  period: string;
  currency: 'VND';
  /** The plan versions that priced this period's calls, and the one whose fee and included calls apply. */
  plans: { code: string; version: number; name: string }[];
  feePlan: { code: string; version: number };
  /**
   * The fee plan's included calls for the month and how many billable calls they covered. Absent on statements
   * closed before it was added (the stored, signed bytes are never rewritten).
   */
  includedCalls?: { allowance: number; used: number };
  lines: StatementLine[];
  usageVnd: number;
  monthlyFeeVnd: number;
  adjustments: AdjustmentLine[];
  adjustmentsVnd: number;
  subtotalVnd: number;
  vatPercent: number;
  vatVnd: number;
  totalVnd: number;
}

export interface StatementInput {
  agency: { id: string; name: string };
  period: string;
  counters: PeriodCounters | undefined;
  /** Every plan version named in the counters (and the fee plan), by `CODE@version`. */
  plans: Map<string, PricingPlan>;
  /** The version in force at the end of the period: its monthly fee and included calls apply. */
  feePlan: { code: string; version: number };
  adjustments: AdjustmentLine[];
  vatPercent: number;
}

/** The price list of one operation in one plan version: its tiers, else its unit price, else free. */
export function tiersOf(plan: PricingPlan, operation: string): PriceTier[] {
  const tiers = (plan.tiersVnd as Record<string, PriceTier[] | undefined> | undefined)?.[operation];
  if (tiers?.length) return tiers;
  const unit = (plan.unitPricesVnd as Record<string, number | undefined>)[operation] ?? 0;
  return [{ priceVnd: unit }];
}

/** Prices chargeable positions [from, to) (0-based, counted across the month) with one version's tiers. */
export function priceRange(plan: PricingPlan, operation: string, from: number, to: number): TierLine[] {
  const out: TierLine[] = [];
  let lower = 0;
  for (const tier of tiersOf(plan, operation)) {
    const upper = tier.upTo ?? Number.POSITIVE_INFINITY;
    const start = Math.max(from, lower);
    const end = Math.min(to, upper);
    if (end > start) {
      out.push({
        plan: plan.code,
        version: plan.version,
        fromCall: start + 1,
        toCall: end,
        calls: end - start,
        unitPriceVnd: tier.priceVnd,
        amountVnd: toVnd(times(end - start, tier.priceVnd)),
      });
    }
    lower = upper;
  }
  return out;
}

/** Operations in catalogue order, then any other metered operation alphabetically. */
function operationOrder(counters: PeriodCounters | undefined): string[] {
  const metered = Object.keys(counters?.operations ?? {});
  const known = OPERATIONS.filter((op) => metered.includes(op));
  return [...known, ...metered.filter((op) => !(OPERATIONS as readonly string[]).includes(op)).sort()];
}

function planFor(plans: Map<string, PricingPlan>, ref: string): PricingPlan {
  if (parsePlanRef(ref).code === NO_PLAN.code) return NO_PLAN;
  const plan = plans.get(ref);
  if (!plan) throw new Error(`Plan ${ref} is metered but was not loaded.`);
  return plan;
}

/**
 * A statement from one period's counters: its cost depends on the number of operations and plan versions,
 * never on the number of calls.
 *
 * Rules (also in the README, "For finance"):
 * - Included calls are one monthly allowance, that of the fee plan, shared by all operations and consumed
 *   in catalogue order (citizen:read, citizen:verify, business:read, business:search), and within an
 *   operation by its plan-version slices in (code, version) order.
 * - Graduated tiers count an operation's chargeable calls (billable minus included) from the month's first;
 *   a mid-month plan change splits the calls into slices by the version that metered them, and each slice
 *   is priced with its own version's tiers at the positions it occupies in the month.
 * - The monthly fee is charged once, in full, from the fee plan (no proration).
 * - VAT is applied once, on the subtotal (usage + fee + adjustments), rounded half away from zero.
 */
export function buildStatement(input: StatementInput): Statement {
  const feePlan = planFor(input.plans, planRef(input.feePlan.code, input.feePlan.version));
  let allowance = feePlan.includedCalls;
  const used = new Map<string, PricingPlan>();
  const lines: StatementLine[] = [];
  let usage = 0n;

  for (const operation of operationOrder(input.counters)) {
    const totals = input.counters?.operations[operation] ?? { calls: 0, billable: 0 };
    const slices = Object.entries(input.counters?.pricing[operation] ?? {})
      .filter(([, n]) => n > 0)
      .map(([ref, n]) => ({ plan: planFor(input.plans, ref), n }))
      .sort((a, b) =>
        a.plan.code === b.plan.code ? a.plan.version - b.plan.version : a.plan.code < b.plan.code ? -1 : 1,
      );
    let position = 0;
    let included = 0;
    const tiers: TierLine[] = [];
    for (const { plan, n } of slices) {
      used.set(planRef(plan.code, plan.version), plan);
      const free = Math.min(n, allowance);
      allowance -= free;
      included += free;
      const chargeable = n - free;
      tiers.push(...priceRange(plan, operation, position, position + chargeable));
      position += chargeable;
    }
    const amount = tiers.reduce((sum, t) => sum + BigInt(t.amountVnd), 0n);
    usage += amount;
    lines.push({
      operation,
      calls: totals.calls,
      billable: totals.billable,
      included,
      chargeable: totals.billable - included,
      tiers,
      amountVnd: toVnd(amount),
    });
  }

  used.set(planRef(feePlan.code, feePlan.version), feePlan);
  const fee = BigInt(feePlan.monthlyFeeVnd);
  const adjustments = input.adjustments.reduce((sum, a) => sum + BigInt(a.amountVnd), 0n);
  const subtotal = usage + fee + adjustments;
  const vat = vatOn(subtotal, input.vatPercent);
  return {
    agencyId: input.agency.id,
    agencyName: input.agency.name,
    period: input.period,
    currency: 'VND',
    plans: [...used.values()]
      .filter((p) => p.code !== NO_PLAN.code)
      .map((p) => ({ code: p.code, version: p.version, name: p.name }))
      .sort((a, b) => (a.code === b.code ? a.version - b.version : a.code < b.code ? -1 : 1)),
    feePlan: { code: feePlan.code, version: feePlan.version },
    includedCalls: { allowance: feePlan.includedCalls, used: feePlan.includedCalls - allowance },
    lines,
    usageVnd: toVnd(usage),
    monthlyFeeVnd: toVnd(fee),
    adjustments: input.adjustments,
    adjustmentsVnd: toVnd(adjustments),
    subtotalVnd: toVnd(subtotal),
    vatPercent: input.vatPercent,
    vatVnd: toVnd(vat),
    totalVnd: toVnd(subtotal + BigInt(toVnd(vat))),
  };
}

/**
 * Late usage for a closed period: what the period's counters price now, less what its stored statement
 * charged, less what later statements already carried for it. One line per operation that moved.
 */
export function lateUsageAdjustments(
  closed: Statement,
  recomputed: Statement,
  carried: AdjustmentLine[],
): AdjustmentLine[] {
  const out: AdjustmentLine[] = [];
  const operations = new Set([...closed.lines, ...recomputed.lines].map((l) => l.operation));
  for (const operation of operations) {
    const before = closed.lines.find((l) => l.operation === operation);
    const now = recomputed.lines.find((l) => l.operation === operation);
    const already = carried.filter(
      (a) => a.reason === 'late-usage' && a.period === closed.period && a.operation === operation,
    );
    const sum = (pick: (x: { calls: number; billable: number; amountVnd: number }) => number) =>
      BigInt(now ? pick(now) : 0) -
      BigInt(before ? pick(before) : 0) -
      already.reduce((s, a) => s + BigInt(pick(a)), 0n);
    const calls = sum((x) => x.calls);
    const billable = sum((x) => x.billable);
    const amount = sum((x) => x.amountVnd);
    if (calls === 0n && billable === 0n && amount === 0n) continue;
    out.push({
      period: closed.period,
      operation,
      reason: 'late-usage',
      calls: toVnd(calls),
      billable: toVnd(billable),
      amountVnd: toVnd(amount),
      description: `Calls metered for ${closed.period} after it was closed`,
    });
  }
  return out;
}

/** The counters as if the reversed (refunded) calls had never been billable. */
export function netOfReversals(counters: PeriodCounters | undefined): PeriodCounters | undefined {
  if (!counters || Object.keys(counters.reversed).length === 0) return counters;
  const pricing: Record<string, Record<string, number>> = {};
  const operations: PeriodCounters['operations'] = {};
  for (const [op, slices] of Object.entries(counters.pricing)) {
    pricing[op] = {};
    for (const [ref, billable] of Object.entries(slices)) {
      pricing[op][ref] = Math.max(0, billable - (counters.reversed[op]?.[ref] ?? 0));
    }
  }
  for (const [op, totals] of Object.entries(counters.operations)) {
    const reversed = Object.values(counters.reversed[op] ?? {}).reduce((a, b) => a + b, 0);
    operations[op] = { ...totals, billable: Math.max(0, totals.billable - reversed) };
  }
  return { ...counters, pricing, operations };
}

/**
 * Reversals of a period's calls, as adjustment lines: what the period costs net of its reversed calls,
 * minus what it costs with them, minus what earlier statements already credited. Lines are never edited;
 * a refund always shows as its own (negative) line.
 */
export function reversalAdjustments(
  gross: Statement,
  net: Statement,
  carried: AdjustmentLine[],
): AdjustmentLine[] {
  const out: AdjustmentLine[] = [];
  for (const line of gross.lines) {
    const after = net.lines.find((l) => l.operation === line.operation);
    const already = carried.filter(
      (a) => a.reason === 'reversal' && a.period === gross.period && a.operation === line.operation,
    );
    const billable =
      BigInt(after?.billable ?? 0) -
      BigInt(line.billable) -
      already.reduce((s, a) => s + BigInt(a.billable), 0n);
    const amount =
      BigInt(after?.amountVnd ?? 0) -
      BigInt(line.amountVnd) -
      already.reduce((s, a) => s + BigInt(a.amountVnd), 0n);
    if (billable === 0n && amount === 0n) continue;
    out.push({
      period: gross.period,
      operation: line.operation,
      reason: 'reversal',
      calls: 0,
      billable: toVnd(billable),
      amountVnd: toVnd(amount),
      description: `Calls of ${gross.period} refunded (see GET /billing/reversals?agency=${gross.agencyId}&period=${gross.period})`,
    });
  }
  return out;
}

/**
 * Prices a period from its counters: reads the plan versions they name (through `cache`; versions never
 * change, so a cache may live as long as the process) and builds the statement.
 */
export async function priceStatement(
  plans: Pick<PlanRepository, 'version'>,
  cache: Map<string, Promise<PricingPlan | undefined>>,
  input: Omit<StatementInput, 'plans'>,
): Promise<Statement> {
  const refs = new Set([planRef(input.feePlan.code, input.feePlan.version)]);
  for (const slices of Object.values(input.counters?.pricing ?? {}))
    for (const ref of Object.keys(slices)) refs.add(ref);
  const loaded = new Map<string, PricingPlan>();
  await Promise.all(
    [...refs].map(async (ref) => {
      const { code, version } = parsePlanRef(ref);
      if (code === NO_PLAN.code) return;
      if (!cache.has(ref)) cache.set(ref, plans.version(code, version));
      const plan = await cache.get(ref);
      if (!plan) throw new Error(`Plan version ${ref} is metered in the ledger but missing.`);
      loaded.set(ref, plan);
    }),
  );
  return buildStatement({ ...input, plans: loaded });
}
