import { z } from 'zod';
import type { RegisterName } from '../identity/model';
import type { CircuitBreaker } from './circuit-breaker';
import { CustodianError, CustodianTimeoutError, CustodianUnavailableError } from './errors';
import type { Business } from './model';
import { businessRecord, type RecordKind } from './operations';
import type { BusinessPage, BusinessRegister, BusinessSearch, RecordSource } from './provider';
import { findProvince } from './provinces';
import { BusinessSchema } from './schemas';

/**
 * Forwarding to a custodian's own API. The contract the gateway expects of a custodian (JSON, UTF-8):
 *
 *   GET {base}/citizens/{nationalId}         200 a citizen record, 404 when unknown
 *   GET {base}/businesses/{enterpriseCode}   200 a business record, 404 when unknown
 *   GET {base}/businesses?name=&province=&limit=&cursor=   200 {items: [business], cursor?}
 *
 * Every answer is checked against the record schemas before it is served: a custodian that answers
 * garbage gets a 502, never a 500 and never the garbage.
 */
export interface CustodianOptions {
  register: RegisterName;
  baseUrl: string;
  /** Limit for one attempt, from sending the request to the last byte of the answer. */
  timeoutMs: number;
  /** Further attempts after a network error or a 5xx/429 (reads only; a timeout is not retried). */
  retries: number;
  /** First backoff; it doubles per attempt, with jitter. */
  backoffMs: number;
  breaker: CircuitBreaker;
  /** Extra request headers (e.g. the custodian's API key). */
  headers?: Record<string, string>;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type Outcome<T> = { found: true; value: T } | { found: false };

class RetryableError extends Error {
  override name = 'RetryableError';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small JSON-over-HTTP client with a per-attempt deadline, bounded retries and a circuit breaker. */
export class CustodianClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly base: URL;

  constructor(private readonly options: CustodianOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  get register(): RegisterName {
    return this.options.register;
  }

  /** GETs a path under the base URL; 404 is `{found: false}`, anything unusable a typed error. */
  async get<T>(path: string, schema: z.ZodType<T>): Promise<Outcome<T>> {
    const { register, breaker, retries } = this.options;
    const admission = breaker.admit();
    if (!admission.allowed) {
      throw new CustodianUnavailableError(register, Math.ceil(admission.retryAfterMs / 1000));
    }
    const url = new URL(path, this.base);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const outcome = await this.attempt(url, schema);
          breaker.succeeded();
          return outcome;
        } catch (error) {
          if (!(error instanceof RetryableError) || attempt >= retries) throw error;
          const backoff = this.options.backoffMs * 2 ** attempt;
          await this.sleep(backoff / 2 + (this.random() * backoff) / 2);
        }
      }
    } catch (error) {
      breaker.failed();
      if (error instanceof RetryableError) {
        throw new CustodianError(register, `${error.message} (after ${retries + 1} attempts)`);
      }
      throw error;
    }
  }

  private async attempt<T>(url: URL, schema: z.ZodType<T>): Promise<Outcome<T>> {
    const { register, timeoutMs } = this.options;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await this.fetch(url, {
        headers: { accept: 'application/json', ...this.options.headers },
        signal: controller.signal,
        redirect: 'error',
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return { found: false };
      }
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw new RetryableError(`answered ${response.status}`);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new CustodianError(register, `refused the request with ${response.status}`);
      }
      const text = await readCapped(response, this.options.maxResponseBytes ?? 1024 * 1024);
      if (text === undefined) throw new CustodianError(register, 'answered with an oversized body');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new CustodianError(register, 'answered with something that is not JSON');
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new CustodianError(register, 'answered with a record of the wrong shape');
      return { found: true, value: parsed.data };
    } catch (error) {
      if (timedOut) throw new CustodianTimeoutError(register, timeoutMs);
      if (error instanceof CustodianError || error instanceof RetryableError) throw error;
      throw new RetryableError('could not be reached', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Reads a body up to a size limit; undefined when it is larger. */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A register's records of one kind served by its custodian's API, at the kind's path, checked against the
 * kind's schema and key: a record of another subject is a 502, never served.
 */
export class HttpRecords<R> implements RecordSource<R> {
  readonly kind = 'http';

  constructor(
    protected readonly custodian: CustodianClient,
    private readonly records: Pick<RecordKind<R>, 'custodianPath' | 'schema' | 'keyField' | 'another'>,
  ) {}

  async get(subject: string): Promise<R | undefined> {
    const { custodianPath, schema, keyField, another } = this.records;
    const outcome = await this.custodian.get(custodianPath(subject), schema);
    if (!outcome.found) return undefined;
    if (outcome.value[keyField] !== subject) {
      throw new CustodianError(this.custodian.register, `answered with ${another}`);
    }
    return outcome.value;
  }
}

const SearchPageSchema = z.object({
  items: z.array(BusinessSchema).max(1000),
  cursor: z.string().min(1).max(2048).optional(),
});

/** The business register served by its custodian's API: its lookups, and its searches. */
export class HttpBusinessRegister extends HttpRecords<Business> implements BusinessRegister {
  constructor(custodian: CustodianClient) {
    super(custodian, businessRecord);
  }

  async searchBusinesses({ name, province, limit, cursor }: BusinessSearch): Promise<BusinessPage> {
    const query = new URLSearchParams({ name, limit: String(limit) });
    if (province !== undefined) query.set('province', findProvince(province)?.name ?? province);
    if (cursor !== undefined) query.set('cursor', cursor);
    const outcome = await this.custodian.get(`businesses?${query}`, SearchPageSchema);
    if (!outcome.found) return { items: [] };
    return {
      items: outcome.value.items.slice(0, limit),
      ...(outcome.value.cursor ? { cursor: outcome.value.cursor } : {}),
    };
  }
}
