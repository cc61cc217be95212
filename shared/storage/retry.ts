import { ServiceUnavailableError } from '../errors';

/**
 * How a store call is tried again. The n-th retry waits `firstDelayMs` × 2^(n-1), at most `maxDelayMs`; with
 * `jitter`, `floorMs` plus a random part of that instead, so that callers racing for one item spread out.
 */
export interface RetryPolicy {
  /** Tries in all, the first one included; Infinity tries until the call goes through. */
  attempts: number;
  /** The wait before the first retry, in ms; each later one doubles. */
  firstDelayMs: number;
  maxDelayMs?: number | undefined;
  jitter?: { floorMs: number } | undefined;
}

/**
 * A store call that failed transiently (isDependencyUnavailable): two more tries within about 75 ms, well inside
 * a request's time, before the failure is answered (503).
 */
export const TRANSIENT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 25 };

/**
 * A batch whose answer left keys or items unprocessed (throttling): the rest is sent again after 40, 80, 160
 * and 320 ms, five sends in all. Request paths that must answer sooner pass fewer attempts.
 */
export const UNPROCESSED_RETRY: RetryPolicy = { attempts: 5, firstDelayMs: 40 };

/** The wait before retry number `retry` (1 for the first) under `policy`. */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const grown = Math.min(
    policy.maxDelayMs ?? Number.POSITIVE_INFINITY,
    policy.firstDelayMs * 2 ** (retry - 1),
  );
  return policy.jitter ? policy.jitter.floorMs + random() * grown : grown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `call` until it succeeds, throws an error `retryable` refuses, or uses up the policy's tries. */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  retryable: (error: unknown) => boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error)) throw error;
      await sleep(retryDelay(policy, attempt));
    }
  }
}

/**
 * Sends `first` and then what each answer left unprocessed (`send` returns it, or undefined when nothing is
 * left), waiting as `policy` says between sends. Still unprocessed after the last try is `exhausted()` (by
 * default a 503): a throttled key must never be taken for a missing item.
 */
export async function untilProcessed<P>(
  first: P,
  send: (pending: P) => Promise<P | undefined>,
  policy: RetryPolicy & { exhausted?: (() => Error) | undefined },
): Promise<void> {
  let pending: P | undefined = first;
  for (let attempt = 0; pending !== undefined; attempt++) {
    if (attempt >= policy.attempts) {
      throw policy.exhausted?.() ?? new ServiceUnavailableError('The store is busy; retry shortly.', 1);
    }
    if (attempt > 0) await sleep(retryDelay(policy, attempt));
    pending = await send(pending);
  }
}
