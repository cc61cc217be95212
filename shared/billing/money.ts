/**
 * Money arithmetic for statements. Every amount is integer VND held as a BigInt while it is computed, so no
 * product of a count and a price can lose a đồng; it leaves as a JSON number only after a safe-integer check.
 */
export class MoneyOverflowError extends Error {
  override name = 'MoneyOverflowError';
}

/** A BigInt amount as a JSON-safe integer number, or a typed error if it would not be exact. */
export function toVnd(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyOverflowError(`${amount} VND is beyond what a statement can carry exactly.`);
  }
  return Number(amount);
}

/** count x unit price, exactly. Both must already be integers (the plan schema guarantees it). */
export function times(count: number, priceVnd: number): bigint {
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(priceVnd)) {
    throw new MoneyOverflowError(`${count} x ${priceVnd} is not a product of integers.`);
  }
  return BigInt(count) * BigInt(priceVnd);
}

/**
 * VAT on a subtotal: subtotal x percent / 100, rounded half away from zero to the đồng (half up for the
 * usual positive subtotal), computed once on the subtotal and never per line.
 */
export function vatOn(subtotal: bigint, percent: number): bigint {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new MoneyOverflowError(`VAT percent ${percent} must be an integer from 0 to 100.`);
  }
  const magnitude = subtotal < 0n ? -subtotal : subtotal;
  const rounded = (magnitude * BigInt(percent) * 2n + 100n) / 200n;
  return subtotal < 0n ? -rounded : rounded;
}
