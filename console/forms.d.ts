/** Types of forms.js for the tests (the browser loads the JavaScript as is). */
export interface Tier {
  upTo?: number;
  priceVnd: number;
}
export type TierError = {
  code: 'number' | 'openBeforeLast' | 'lastNotOpen' | 'notAscending' | 'tooMany';
  params: Record<string, unknown>;
};
export declare const MAX_TIERS: number;
export declare const NEAR_CAP: number;
export declare function parseInteger(text: string): number | undefined;
export declare function parseTiers(
  text: string,
): { tiers: Tier[]; error?: undefined } | { error: TierError; tiers?: undefined };
export declare function tiersText(tiers: Tier[]): string;
export declare function tierRanges(tiers: Tier[]): { from: number; to?: number; priceVnd: number }[];
export declare function parseJwk(
  text: string,
):
  | { jwk: Record<string, unknown>; error?: undefined }
  | { error: { code: 'empty' | 'json' | 'notObject'; detail?: string }; jwk?: undefined };
export interface BudgetItem {
  agencyId: string;
  agencyName: string;
  capVnd: number;
  enforce: boolean;
  spentVnd: number;
  remainingVnd: number;
  reached: boolean;
}
export declare function budgetState(item: Pick<BudgetItem, 'capVnd' | 'spentVnd' | 'reached'>): {
  state: 'reached' | 'near' | 'within';
  percent: number;
};
export declare function sortBudgets<T extends BudgetItem>(
  items: T[],
): (T & { state: 'reached' | 'near' | 'within'; percent: number })[];
export declare function joinCsvPages(pages: string[]): string;
export declare function neutraliseCsv(text: string): string;
