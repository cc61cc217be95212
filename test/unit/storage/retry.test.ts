import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../../shared/errors';
import {
  retryDelay,
  TRANSIENT_RETRY,
  UNPROCESSED_RETRY,
  untilProcessed,
  withRetry,
} from '../../../shared/storage/retry';

const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });

describe('retry policy', () => {
  it('doubles its wait from the first, up to the longest', () => {
    const waits = (policy: Parameters<typeof retryDelay>[0]) =>
      [1, 2, 3, 4, 5, 6].map((n) => retryDelay(policy, n, () => 0.5));
    expect(waits(TRANSIENT_RETRY)).toEqual([25, 50, 100, 200, 400, 800]);
    expect(waits({ ...UNPROCESSED_RETRY, maxDelayMs: 100 })).toEqual([40, 80, 100, 100, 100, 100]);
    expect(waits({ attempts: 3, firstDelayMs: 20, maxDelayMs: 320, jitter: { floorMs: 5 } })).toEqual([
      15, 25, 45, 85, 165, 165,
    ]);
  });
});

describe('withRetry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tries again only what the caller calls retryable, as many times as the policy allows', async () => {
    const call = vi.fn().mockRejectedValueOnce(throttled()).mockResolvedValueOnce('done');
    const answer = withRetry(call, TRANSIENT_RETRY, () => true);
    await vi.runAllTimersAsync();
    expect(await answer).toBe('done');
    expect(call).toHaveBeenCalledTimes(2);

    const failing = vi.fn().mockRejectedValue(throttled());
    const refused = withRetry(failing, TRANSIENT_RETRY, () => true);
    const settled = expect(refused).rejects.toThrow('slow down');
    await vi.runAllTimersAsync();
    await settled;
    expect(failing).toHaveBeenCalledTimes(3);

    const final = vi.fn().mockRejectedValue(new Error('condition failed'));
    await expect(withRetry(final, TRANSIENT_RETRY, () => false)).rejects.toThrow('condition failed');
    expect(final).toHaveBeenCalledTimes(1);
  });
});

describe('untilProcessed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends what is left until nothing is, and gives up with a 503 after its last try', async () => {
    const sent: string[][] = [];
    const done = untilProcessed(
      ['a', 'b', 'c'],
      async (keys) => {
        sent.push(keys);
        return keys.length > 1 ? keys.slice(1) : undefined;
      },
      UNPROCESSED_RETRY,
    );
    await vi.runAllTimersAsync();
    await done;
    expect(sent).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);

    let sends = 0;
    const stuck = untilProcessed(
      ['a'],
      async (keys) => {
        sends += 1;
        return keys;
      },
      { ...UNPROCESSED_RETRY, attempts: 3, exhausted: () => new ServiceUnavailableError('busy', 1) },
    );
    const settled = expect(stuck).rejects.toThrow(ServiceUnavailableError);
    await vi.runAllTimersAsync();
    await settled;
    expect(sends).toBe(3);
  });
});
