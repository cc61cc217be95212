import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

const transientNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // The SDK's name for a store call cut short (an abort signal, a closed socket): nothing was answered.
  'AbortError',
  'TransactionConflictException',
]);

const transientCancellations = new Set([
  'None',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

interface CancellationReasons {
  CancellationReasons?: { Code?: string }[] | undefined;
}

/** A store or network failure that a retry may cure: answered 503 with Retry-After, never 500. */
export function isDependencyUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const sdk = err as Error &
    CancellationReasons & {
      $fault?: string;
      $retryable?: unknown;
      code?: string;
    };
  // A transaction cancelled only by conflicts or throttled items (no condition failed) may pass on a retry.
  const cancelledTransiently =
    err.name === 'TransactionCanceledException' &&
    (sdk.CancellationReasons ?? []).every((r) => !r.Code || transientCancellations.has(r.Code));
  return (
    transientNames.has(err.name) ||
    cancelledTransiently ||
    sdk.$fault === 'server' ||
    sdk.$retryable !== undefined ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(sdk.code ?? '')
  );
}

/** A transaction cancelled because a condition of one of its items failed: someone else changed that item. */
export function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof TransactionCanceledException &&
    (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

/** A write refused because a transaction held the item at that moment: it may pass a few ms later. */
export const isTransactionConflict = (err: unknown): boolean =>
  err instanceof Error && err.name === 'TransactionConflictException';

/**
 * The store refusing an ExclusiveStartKey (wrong attributes, or outside the query's key condition): where a
 * caller's cursor became that key, the cursor was not one the gateway issued.
 */
export const isInvalidStartKey = (err: unknown): boolean =>
  err instanceof Error &&
  err.name === 'ValidationException' &&
  /starting key|ExclusiveStartKey/i.test(err.message);
