/** Types of format.js for the tests (the browser loads the JavaScript as is). */
export declare const TIME_ZONE: 'Asia/Ho_Chi_Minh';
export declare function formatVnd(amount: number): string;
export declare function formatCount(value: number): string;
export declare function formatDate(instant: string | number | Date): string;
export declare function formatDateTime(instant: string | number | Date): string;
export declare function formatPeriod(period: string): string;
export declare function formatDay(day: string): string;
export declare function periodOf(instant: string | number | Date): string;
export declare function dayOf(instant: string | number | Date): string;
export declare function shiftPeriod(period: string, months: number): string;
export declare function startOf(dayOrPeriod: string): number;
export declare function dayOfSeconds(seconds: number): string;

export interface UsageRow {
  agencyId: string;
  period: string;
  day?: string;
  calls: number;
  operations: Record<string, { calls: number; billable?: number }>;
}
export interface Usage {
  granularity: 'day' | 'month';
  from?: string;
  to?: string;
  items: UsageRow[];
}
export declare function periodRange(
  from: string,
  to: string,
  granularity: 'day' | 'month',
  limit?: number,
): string[];
export declare function usageSeries(
  usage: Usage,
  groupBy: 'operation' | 'agency',
): { x: number[]; xKeys: string[]; series: { key: string; values: number[] }[] };
export declare function spacedTicks(x: number[], most: number): number[];
export declare function usageTotals(
  items: UsageRow[],
): { agencyId: string; operation: string; calls: number }[];
export declare function parseDay(text: string): string | undefined;
export declare function parseMonth(text: string): string | undefined;
export declare function parseList(text: string): string[];
