import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaseApp, newRouter } from '../../../shared/http/app';
import { CircuitBreaker } from '../../../shared/registry/circuit-breaker';
import { CustodianClient, HttpBusinessRegister, HttpRecords } from '../../../shared/registry/custodian';
import {
  CustodianError,
  CustodianTimeoutError,
  CustodianUnavailableError,
} from '../../../shared/registry/errors';
import { demoBusinesses, demoCitizens } from '../../../shared/registry/model';
import { citizenRecord } from '../../../shared/registry/operations';
import { problemOf } from '../../support/answers';
import { captureLogs } from '../../support/deps';

const an = demoCitizens[0]!;
const songHan = demoBusinesses[0]!;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface FakeCustodian {
  url: string;
  /** Requests received, as paths with query. */
  hits: string[];
  handle(handler: Handler): void;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A custodian API on 127.0.0.1 whose behaviour each test sets. */
async function fakeCustodian(handler: Handler): Promise<FakeCustodian> {
  let current = handler;
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    current(req, res);
  });
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v2`, hits, handle: (next) => (current = next) };
}

const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

/** A port nothing listens on: connections are refused. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return `http://127.0.0.1:${port}`;
}

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function population(
  url: string,
  options: { timeoutMs?: number; retries?: number; breaker?: CircuitBreaker } = {},
) {
  return new HttpRecords(
    new CustodianClient({
      register: 'population',
      baseUrl: url,
      timeoutMs: options.timeoutMs ?? 1000,
      retries: options.retries ?? 2,
      backoffMs: 10,
      breaker: options.breaker ?? new CircuitBreaker({ failureThreshold: 100, cooldownMs: 1000 }),
      sleep: async () => undefined,
    }),
    citizenRecord,
  );
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('custodian forwarder', () => {
  it('serves the record the custodian answers, from the configured base path', async () => {
    const custodian = await fakeCustodian(json(200, an));
    expect(await population(custodian.url).get(an.nationalId)).toEqual(an);
    expect(custodian.hits).toEqual([`/api/v2/citizens/${an.nationalId}`]);
  });

  it('answers undefined (a 404 at the edge) when the custodian does not know the person', async () => {
    const custodian = await fakeCustodian(json(404, { error: 'not found' }));
    expect(await population(custodian.url).get(an.nationalId)).toBeUndefined();
    expect(custodian.hits).toHaveLength(1);
  });

  it('gives up on a custodian that does not answer: 504 after the timeout, without retrying', async () => {
    const custodian = await fakeCustodian(() => undefined);
    const started = performance.now();
    const error = await failure(population(custodian.url, { timeoutMs: 150 }).get(an.nationalId));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(CustodianTimeoutError);
    expect(error).toMatchObject({ status: 504 });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect(custodian.hits).toHaveLength(1);
  });

  it('gives up on an answer that trickles in too slowly: the timeout covers the body too', async () => {
    const custodian = await fakeCustodian((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"nationalId":');
    });
    const started = performance.now();
    const error = await failure(population(custodian.url, { timeoutMs: 150 }).get(an.nationalId));
    expect(error).toBeInstanceOf(CustodianTimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers 502 when the custodian is down (connection refused), after bounded retries', async () => {
    const started = performance.now();
    const error = await failure(population(await closedPort(), { retries: 2 }).get(an.nationalId));
    expect(error).toBeInstanceOf(CustodianError);
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('could not be reached') });
    expect((error as Error).message).toContain('after 3 attempts');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it.each([
    ['garbage instead of JSON', '<html>Service temporarily unavailable</html>', 'not JSON'],
    ['JSON of the wrong shape', { nationalId: an.nationalId, fullName: 42 }, 'wrong shape'],
    ['an empty body', '', 'not JSON'],
    ['a different person', { ...an, nationalId: '048301000123' }, 'different person'],
  ])('answers 502, without retrying, when the custodian returns %s', async (_what, body, reason) => {
    const custodian = await fakeCustodian(json(200, body));
    const error = await failure(population(custodian.url).get(an.nationalId));
    expect(error).toBeInstanceOf(CustodianError);
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining(reason) });
    expect(custodian.hits).toHaveLength(1);
  });

  it('answers 502 to an oversized answer rather than reading it all', async () => {
    const custodian = await fakeCustodian(json(200, { ...an, placeOfOrigin: 'x'.repeat(2 * 1024 * 1024) }));
    const error = await failure(population(custodian.url).get(an.nationalId));
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('oversized') });
  });

  it('retries a 5xx and serves the answer that follows', async () => {
    const custodian = await fakeCustodian(json(503, { error: 'busy' }));
    let calls = 0;
    custodian.handle((req, res) => {
      calls++;
      (calls === 1 ? json(503, { error: 'busy' }) : json(200, an))(req, res);
    });
    expect(await population(custodian.url).get(an.nationalId)).toEqual(an);
    expect(custodian.hits).toHaveLength(2);
  });

  it('answers 502 when every attempt is a 5xx, having tried 1 + retries times', async () => {
    const custodian = await fakeCustodian(json(500, { error: 'boom' }));
    const error = await failure(population(custodian.url, { retries: 2 }).get(an.nationalId));
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('answered 500') });
    expect(custodian.hits).toHaveLength(3);
  });

  it('does not retry a refusal (4xx): retrying would not change it', async () => {
    const custodian = await fakeCustodian(json(401, { error: 'bad key' }));
    const error = await failure(population(custodian.url).get(an.nationalId));
    expect(error).toMatchObject({
      status: 502,
      message: expect.stringContaining('refused the request with 401'),
    });
    expect(custodian.hits).toHaveLength(1);
  });

  it('forwards a business search and passes the custodian cursor through', async () => {
    const custodian = await fakeCustodian(json(200, { items: [songHan], cursor: 'custodian-page-2' }));
    const register = new HttpBusinessRegister(
      new CustodianClient({
        register: 'business',
        baseUrl: custodian.url,
        timeoutMs: 1000,
        retries: 0,
        backoffMs: 0,
        breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }),
      }),
    );
    const page = await register.searchBusinesses({
      name: 'sông hàn',
      province: 'da nang',
      limit: 5,
      cursor: 'c1',
    });
    expect(page).toEqual({ items: [songHan], cursor: 'custodian-page-2' });
    const url = new URL(custodian.hits[0]!, 'http://x');
    expect(url.pathname).toBe('/api/v2/businesses');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      name: 'sông hàn',
      limit: '5',
      province: 'Đà Nẵng',
      cursor: 'c1',
    });
    expect(await register.get(songHan.enterpriseCode).catch((e: Error) => e)).toBeInstanceOf(CustodianError);
  });

  it('answers a problem+json 504 through the gateway error boundary, never hanging', async () => {
    const custodian = await fakeCustodian(() => undefined);
    const register = population(custodian.url, { timeoutMs: 100 });
    const app = createBaseApp({ logger: captureLogs().logger, maxBodyBytes: 1024 });
    const router = newRouter();
    router.get('/probe', async (c) => c.json(await register.get(an.nationalId)));
    app.route('/', router);
    const response = await app.request('/probe');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = await problemOf(response, 504);
    expect(body).toMatchObject({ status: 504, type: '/problems/custodian-timeout', register: 'population' });
    expect(JSON.stringify(body)).not.toContain(an.nationalId);
  });
});

describe('circuit breaker', () => {
  it('opens after N failed calls: the next call is a 503 with Retry-After, without reaching the custodian', async () => {
    const custodian = await fakeCustodian(json(500, { error: 'down' }));
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 10_000, now: time.now });
    const register = population(custodian.url, { retries: 0, breaker });
    for (let i = 0; i < 3; i++)
      expect(await failure(register.get(an.nationalId))).toBeInstanceOf(CustodianError);
    expect(breaker.state).toBe('open');

    const error = await failure(register.get(an.nationalId));
    expect(error).toBeInstanceOf(CustodianUnavailableError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '10' } });
    expect(custodian.hits).toHaveLength(3);
  });

  it('half-opens after the cooldown: one trial call, whose success closes the circuit', async () => {
    const custodian = await fakeCustodian(json(500, { error: 'down' }));
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 10_000, now: time.now });
    const register = population(custodian.url, { retries: 0, breaker });
    await failure(register.get(an.nationalId));
    await failure(register.get(an.nationalId));
    time.advance(4_000);
    expect(await failure(register.get(an.nationalId))).toMatchObject({
      headers: { 'Retry-After': '6' },
    });

    time.advance(6_000);
    expect(breaker.state).toBe('half-open');
    custodian.handle(json(200, an));
    expect(await register.get(an.nationalId)).toEqual(an);
    expect(breaker.state).toBe('closed');
    expect(await register.get(an.nationalId)).toEqual(an);
    expect(custodian.hits).toHaveLength(4);
  });

  it('opens again for a full cooldown when the trial call fails', async () => {
    const custodian = await fakeCustodian(json(500, { error: 'down' }));
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10_000, now: time.now });
    const register = population(custodian.url, { retries: 0, breaker });
    await failure(register.get(an.nationalId));
    time.advance(10_000);
    expect(await failure(register.get(an.nationalId))).toBeInstanceOf(CustodianError);
    expect(breaker.state).toBe('open');
    time.advance(9_000);
    expect(await failure(register.get(an.nationalId))).toBeInstanceOf(CustodianUnavailableError);
    expect(custodian.hits).toHaveLength(2);
  });

  it('lets one trial through at a time while half-open', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: time.now });
    breaker.failed();
    time.advance(1000);
    expect(breaker.admit()).toEqual({ allowed: true });
    expect(breaker.admit()).toMatchObject({ allowed: false });
    breaker.succeeded();
    expect(breaker.admit()).toEqual({ allowed: true });
  });

  it('counts a timeout as a failure, and an unknown record (404) as a healthy answer', async () => {
    const custodian = await fakeCustodian(json(404, {}));
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 10_000 });
    const register = population(custodian.url, { retries: 0, breaker, timeoutMs: 100 });
    for (let i = 0; i < 5; i++) expect(await register.get(an.nationalId)).toBeUndefined();
    expect(breaker.state).toBe('closed');
    custodian.handle(() => undefined);
    await failure(register.get(an.nationalId));
    await failure(register.get(an.nationalId));
    expect(breaker.state).toBe('open');
  });
});
