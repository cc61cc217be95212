/**
 * The counter attributes of the ledger table: named here and read back here, nowhere else. They are flat
 * attributes of a lane (a brokered call's ADDs), of a period's refund counter and of a sealed day of usage,
 * so that an ADD creates each on first use; `#` separates the parts, and a plan version is `PLAN@v`.
 */

/** A plan version as counters and statements name it. */
export const planVersionName = (plan: string, version: number) => `${plan}@${version}`;

/** The attributes a brokered call's transaction ADDs to its month lane, and a refund to its period counter. */
export const counterNames = {
  /** Every call, billable or not (the quota counts these). */
  calls: 'calls',
  billable: 'billable',
  opCalls: (op: string) => `calls#${op}`,
  opBillable: (op: string, plan: string, version: number) =>
    `billable#${op}#${planVersionName(plan, version)}`,
  /** Billable calls refunded later (the refund counter's). */
  reversed: (op: string, plan: string, version: number) => `reversed#${op}#${planVersionName(plan, version)}`,
  /** Calls (billable or not) metered with a plan version: which versions a period used. */
  planCalls: (plan: string, version: number) => `plan#${planVersionName(plan, version)}`,
};

/** What a lane's or the refund counter's attribute counts, read back from its name. */
export type Counter =
  | { kind: 'calls' }
  | { kind: 'billable' }
  | { kind: 'opCalls'; op: string }
  | { kind: 'opBillable'; op: string; planVersion: string }
  | { kind: 'reversed'; op: string; planVersion: string }
  | { kind: 'planCalls'; planVersion: string };

/** The counter an attribute name stands for; undefined for any other attribute of the item (pk, sk, cap, ...). */
export function parseCounter(name: string): Counter | undefined {
  if (name === counterNames.calls) return { kind: 'calls' };
  if (name === counterNames.billable) return { kind: 'billable' };
  const [head, op, planVersion, ...rest] = name.split('#');
  if (rest.length || !op) return undefined;
  if (head === 'calls' && planVersion === undefined) return { kind: 'opCalls', op };
  if (head === 'plan' && planVersion === undefined) return { kind: 'planCalls', planVersion: op };
  if (!planVersion) return undefined;
  if (head === 'billable') return { kind: 'opBillable', op, planVersion };
  if (head === 'reversed') return { kind: 'reversed', op, planVersion };
  return undefined;
}

/** The attributes the audit sealer ADDs to a sealed day of an agency's usage (shared/audit/log.ts). */
export const dayCounterNames = {
  opCalls: counterNames.opCalls,
  /** A purpose code may hold any character but `#` starts nothing after it: the rest of the name is the code. */
  purpose: (op: string, purpose: string) => `purpose#${op}#${purpose}`,
};

export type DayCounter = { kind: 'opCalls'; op: string } | { kind: 'purpose'; op: string; purpose: string };

/** The counter a day item's attribute name stands for; undefined for pk, sk and the like. */
export function parseDayCounter(name: string): DayCounter | undefined {
  const [head, op, ...rest] = name.split('#');
  if (!op) return undefined;
  if (head === 'calls' && rest.length === 0) return { kind: 'opCalls', op };
  if (head === 'purpose' && rest.length) return { kind: 'purpose', op, purpose: rest.join('#') };
  return undefined;
}
