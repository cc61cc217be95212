/**
 * Billing calendar: periods are calendar months and days in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam has
 * no daylight saving time), so a fixed offset is exact and needs no time-zone database.
 */
export const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

export interface PeriodPosition {
  /** The billing period, `YYYY-MM` in Vietnam. */
  period: string;
  /** The calendar day in Vietnam, `YYYY-MM-DD`. */
  day: string;
  /** When this period started and the next one starts, as UTC instants. */
  periodStart: Date;
  nextPeriodStart: Date;
}

export function periodOf(instant: Date): PeriodPosition {
  const local = new Date(instant.getTime() + VIETNAM_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  const iso = local.toISOString();
  return {
    period: iso.slice(0, 7),
    day: iso.slice(0, 10),
    periodStart: new Date(Date.UTC(year, month, 1) - VIETNAM_OFFSET_MS),
    nextPeriodStart: new Date(Date.UTC(year, month + 1, 1) - VIETNAM_OFFSET_MS),
  };
}

/** The UTC instant at which a Vietnamese calendar day (`YYYY-MM-DD`) begins. */
export function startOfVietnamDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - VIETNAM_OFFSET_MS);
}

/** Every period (`YYYY-MM`) from one to another, inclusive. */
export function periodsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
    if (out.length > 240) break;
  }
  return out;
}
