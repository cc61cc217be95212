/**
 * Vietnamese text rules. Two different comparisons, on purpose:
 * - search folds diacritics away ("song han" finds "Sông Hàn"), because people type without them;
 * - verification keeps them ("Nguyen" is not "Nguyễn"), because dropping them would match different people.
 */

const combiningMarks = /\p{M}+/gu;
const whitespace = /\s+/gu;

/** Search folding: NFD, combining marks removed, đ/Đ → d, lower case, runs of whitespace collapsed. */
export function foldName(text: string): string {
  return text
    .normalize('NFD')
    .replace(combiningMarks, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(whitespace, ' ')
    .trim();
}

/** The folded words of a text: letters and digits only, punctuation is a separator. */
export function foldedWords(text: string): string[] {
  return foldName(text)
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Normalises for verification: NFC, lower case, whitespace collapsed; diacritics are kept. */
export function normaliseForComparison(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase('vi').replace(whitespace, ' ').trim();
}

/** Whether two names (or addresses) are the same once Unicode form, case and spacing are set aside. */
export function sameText(a: string, b: string): boolean {
  return normaliseForComparison(a) === normaliseForComparison(b);
}
