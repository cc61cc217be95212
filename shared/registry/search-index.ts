import { createHash } from 'node:crypto';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../storage/cursor';
import { searchIndexKeys } from '../storage/keys/registry';
import { UnsearchableQueryError } from './errors';
import type { Business } from './model';
import { findProvince } from './provinces';
import { foldedWords } from './text';

/*
 * The business name index, kept in the registry table beside the records (its keys: searchIndexKeys), with
 * the whole record as attributes, so a page of results is one Query and no follow-up reads.
 * A search reads one word's partition (with `begins_with` on the province when given), in sort-key order,
 * and keeps the items whose name also has the other words. The words of the legal form ("Công ty TNHH",
 * "Công ty cổ phần", ...) open almost every name, so they are neither indexed nor searched: they would make
 * partitions the size of the register.
 */

/** Folded legal-form phrases stripped from the start of a name (longest first). */
const LEGAL_FORM_PHRASES = [
  'cong ty trach nhiem huu han hai thanh vien tro len',
  'cong ty trach nhiem huu han mot thanh vien',
  'cong ty trach nhiem huu han',
  'cong ty tnhh hai thanh vien tro len',
  'cong ty tnhh mot thanh vien',
  'cong ty tnhh mtv',
  'cong ty tnhh',
  'cong ty co phan',
  'cong ty cp',
  'cong ty hop danh',
  'cong ty',
  'doanh nghiep tu nhan',
  'hop tac xa',
  'chi nhanh',
  'van phong dai dien',
  'dia diem kinh doanh',
  'tnhh',
  'ctcp',
].map((phrase) => phrase.split(' '));

/** Joining words that carry no meaning on their own. */
const CONNECTORS = new Set(['va', 'and']);

/** Trade words found in a large share of names; a search prefers any other word to pick its partition. */
const COMMON_WORDS = new Set([
  'thuong',
  'mai',
  'dich',
  'vu',
  'san',
  'xuat',
  'xay',
  'dung',
  'dau',
  'tu',
  'phat',
  'trien',
  'ky',
  'thuat',
  'cong',
  'nghe',
  'nhap',
  'khau',
  'van',
  'tai',
  'tong',
  'hop',
  'kinh',
  'doanh',
  'viet',
  'nam',
  'tnhh',
]);

function startsWith(words: string[], at: number, phrase: string[]): boolean {
  return phrase.every((word, i) => words[at + i] === word);
}

/**
 * The words a name is found by: folded (no diacritics, lower case), leading legal-form phrases and
 * connectors removed, each word once, in order.
 */
export function distinctiveWords(name: string): string[] {
  const words = foldedWords(name);
  let at = 0;
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const phrase of LEGAL_FORM_PHRASES) {
      if (startsWith(words, at, phrase)) {
        at += phrase.length;
        stripped = true;
        break;
      }
    }
  }
  return [...new Set(words.slice(at).filter((w) => !CONNECTORS.has(w)))];
}

function provinceKey(province: string): string {
  return findProvince(province)?.slug ?? foldedWords(province).join('-');
}

/** The index items for one business: one per distinctive word of its name. */
export function businessIndexItems(business: Business): Record<string, unknown>[] {
  const words = distinctiveWords(business.name);
  const sk = searchIndexKeys.sortKey(
    provinceKey(business.province),
    words.join(' '),
    business.enterpriseCode,
  );
  return words.map((word) => ({ ...searchIndexKeys.entry(word, sk), ...business }));
}

/** How one search reads the index. */
export interface SearchPlan {
  /** The word whose partition is read. */
  word: string;
  /** Every word a result's name must have. */
  words: string[];
  /** Prefix on the sort key when a province is given. */
  skPrefix?: string | undefined;
  /** Binds a cursor to the search that issued it. */
  fingerprint: string;
}

/** Plans a search; throws a 400 when the name has no word to search by or the province is unknown. */
export function planSearch(name: string, province?: string): SearchPlan {
  const words = distinctiveWords(name);
  if (!words.length) {
    throw new UnsearchableQueryError(
      'Search by a word of the name other than its legal form (e.g. "Sông Hàn", not "Công ty cổ phần").',
    );
  }
  let skPrefix: string | undefined;
  if (province !== undefined) {
    const found = findProvince(province);
    if (!found) throw new UnsearchableQueryError(`"${province}" is not a province or centrally-run city.`);
    skPrefix = searchIndexKeys.provincePrefix(found.slug);
  }
  const word = [...words].sort(
    (a, b) =>
      Number(COMMON_WORDS.has(a)) - Number(COMMON_WORDS.has(b)) || b.length - a.length || a.localeCompare(b),
  )[0]!;
  const fingerprint = createHash('sha256')
    .update(`${[...words].sort().join(' ')}|${skPrefix ?? ''}`)
    .digest('base64url')
    .slice(0, 16);
  return { word, words, skPrefix, fingerprint };
}

/** Whether an index item's name has every word of the search. */
export function itemMatches(sk: string, plan: SearchPlan): boolean {
  if (plan.words.length === 1) return true;
  const nameWords = new Set(searchIndexKeys.nameOf(sk).split(' '));
  return plan.words.every((w) => nameWords.has(w));
}

/** A cursor: where the previous page stopped reading, bound to its search. */
export function searchCursor(plan: SearchPlan, lastSk: string): string {
  return encodeCursor({ f: plan.fingerprint, k: lastSk });
}

/**
 * The cursors of one search: its fingerprint, and an index sort key (at most DynamoDB's 1024 bytes) within the
 * search's province, so a forged one never reaches the store.
 */
const searchCursorSchema = (plan: SearchPlan) =>
  z.strictObject({
    f: z.literal(plan.fingerprint),
    k: z
      .string()
      .min(1)
      .refine((k) => Buffer.byteLength(k) <= 1024 && k.startsWith(plan.skPrefix ?? '')),
  });

/** The key to resume reading from; a cursor from another search (or none of ours) is a 400. */
export function resumeKey(
  plan: SearchPlan,
  cursor: string | undefined,
): { pk: string; sk: string } | undefined {
  const position = decodeCursor(
    cursor,
    searchCursorSchema(plan),
    'The cursor is not one this gateway issued for this search; start again without a cursor.',
  );
  return position ? searchIndexKeys.entry(plan.word, position.k) : undefined;
}
